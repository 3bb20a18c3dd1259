/**
 * The data transfers of the `ftp` and `ftps` checks: the upload-and-delete probe and the capped
 * download.
 */
import { randomBytes } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import type { Client } from 'basic-ftp'
import type { FetchedFile } from './file-match.ts'
import { replyOf } from './ftp-control.ts'

/** Uploads a small file with a unique name into `dir` (the login directory when empty), then deletes it. */
export async function uploadAndDelete(client: Client, dir: string): Promise<void> {
  const name = `scanner-check-${randomBytes(6).toString('hex')}.txt`
  const path = dir === '' ? name : `${dir}${dir.endsWith('/') ? '' : '/'}${name}`
  const content = `Written by the competition's service scanner at ${new Date().toISOString()}, deleted right after.\n`
  await replyOf(
    client.uploadFrom(Readable.from([Buffer.from(content)]), path),
    'action',
    (said) => `upload of ${path} refused: ${said}`,
  )
  await replyOf(
    client.remove(path),
    'action',
    (said) => `uploaded ${path} but could not delete it (it is left on the server): ${said}`,
  )
}

/** Downloads `path`, keeping at most `max` bytes: past that the transfer is stopped. */
export async function download(client: Client, path: string, max: number): Promise<FetchedFile> {
  const sink = new CappedSink(max)
  try {
    await replyOf(client.downloadTo(sink, path), 'action', (said, code) =>
      code === 550
        ? `file ${path} not found or not readable: ${said}`
        : `download of ${path} refused: ${said}`,
    )
  } catch (err) {
    // The sink stopped the transfer at the cap: basic-ftp closed the session, the file is read.
    if (!sink.truncated) throw err
  }
  return { data: sink.data(), truncated: sink.truncated }
}

/** Keeps the first `max` bytes written to it, and fails the write that brings more. */
class CappedSink extends Writable {
  truncated = false
  readonly #max: number
  readonly #chunks: Buffer[] = []
  #size = 0

  constructor(max: number) {
    super()
    this.#max = max
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const room = this.#max - this.#size
    if (chunk.length > room) {
      this.#chunks.push(chunk.subarray(0, room))
      this.#size = this.#max
      this.truncated = true
      return callback(new Error(`more than ${this.#max} bytes`))
    }
    this.#chunks.push(chunk)
    this.#size += chunk.length
    callback()
  }

  data(): Buffer {
    return Buffer.concat(this.#chunks, this.#size)
  }
}

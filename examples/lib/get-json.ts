/** A helper of examples/services.ts, imported by a relative path: GET a JSON document. */
import { CheckFailure } from 'scanner'
import type { CheckContext } from 'scanner'

/** Largest document read; a hostile server cannot make the check hold more. */
const MAX_BYTES = 64 * 1024

/**
 * GETs `url` and parses the body as JSON. Fails stage `connect` when the server cannot be reached,
 * `action` on a status other than 200 and `match` on a body that is not JSON.
 */
export async function getJson(url: string, ctx: CheckContext): Promise<unknown> {
  ctx.stage('connect')
  let response: Response
  try {
    response = await fetch(url, { signal: ctx.signal, redirect: 'manual' })
  } catch (err) {
    if (ctx.signal.aborted) throw err
    throw new CheckFailure('connect', `cannot reach ${url}: ${reasonOf(err)}`)
  }
  ctx.stage('action')
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new CheckFailure('action', `${url} answered HTTP ${response.status}`)
  }
  const text = await readCapped(response, MAX_BYTES)
  ctx.stage('match')
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new CheckFailure('match', `${url} did not answer JSON: ${JSON.stringify(text.slice(0, 80))}`)
  }
}

/** Why a fetch failed, the same under Node (an error code in `cause`) and Deno (a message). */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  const text = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))
  if (/ECONNREFUSED|connection refused/i.test(text)) return 'connection refused'
  if (/ENOTFOUND|EAI_AGAIN|dns error/i.test(text)) return 'host name not found'
  return text
}

async function readCapped(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size >= max) {
      await reader.cancel()
      break
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8')
}

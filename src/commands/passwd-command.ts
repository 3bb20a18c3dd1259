import { hashPassword } from '../auth/password-hash.ts'
import { UsageError } from '../errors.ts'

/**
 * `scanner passwd`: reads a password on stdin and prints its hash for `users[].password_hash`.
 * On a terminal it asks twice without echo; from a pipe it takes the first line.
 */
export async function passwdCommand(out: (text: string) => void): Promise<void> {
  const stdin = process.stdin
  let password: string
  if (stdin.isTTY) {
    password = await readHidden('Password: ')
    const again = await readHidden('Again: ')
    if (again !== password) throw new UsageError('the two passwords differ; nothing printed')
  } else {
    password = firstLine(await readAll(stdin))
  }
  if (password === '') throw new UsageError('empty password: give one on stdin (echo ... | scanner passwd)')
  out(await hashPassword(password))
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/)
  return end === -1 ? text : text.slice(0, end)
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** A line typed on the terminal, not echoed (raw mode; Enter ends it, Ctrl-C cancels). */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  let typed = ''
  return new Promise((resolve, reject) => {
    const done = (err: Error | null) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(typed)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null)
        if (ch === '\u0003') return done(new UsageError('cancelled'))
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1)
        else typed += ch
      }
    }
    stdin.on('data', onData)
  })
}

/**
 * `smb`: what a Windows or Samba file-share user does. An SMB2/3 session (dialects 2.0.2 to
 * 3.1.1, signed when the server requires it) with an NTLMv2 login as the service's user, a tree
 * connect to `share`, then either a download of `file` (at most `max_bytes`) matched against the
 * options, or, without `file`, a listing of the share's top folder matched against `expect`.
 *
 * The username may carry a domain (`CORP\alice`); without one the server's own accounts are meant.
 * A login the server only grants as a guest (Samba's `map to guest = bad user` does that for an
 * unknown user) fails: the password was not checked. SMB1 and shares or sessions that require
 * SMB3 encryption are not supported.
 *
 * Options:
 * - `share`: the share's name (`files`, `C$`).
 * - `file`: a path in the share (`docs/report.txt`; `/` or `\` between folders).
 * - `max_bytes`: bytes of the file read at most (1 MiB); the rest is not downloaded.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the file as UTF-8 text, or against
 *   the listing (one name a line, at most 1000 names) when there is no `file`.
 * - `sha256`: the SHA-256 of the whole file (a list: any of them); needs `file`.
 *
 * Stages: `connect` (refused, not an SMB2 server), `auth` (`login refused for user "alice"`, an
 * account problem with its NT status, a guest login), `action` (share or file not found, access
 * denied, each with the NT status name), `match`.
 *
 * @example
 * # competition.yaml
 * - { name: files, type: smb, credential_pool: users, options: { share: public, file: welcome.txt, expect: Welcome } }
 */
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../../src/sdk.ts'
import { failureOf, matchExpected, lazily } from '../../src/check-options.ts'
import { fileMatchOptions, matchFile, type FetchedFile } from '../file-match.ts'
import { connectTcp } from '../socket.ts'
import { NtlmError } from './ntlm.ts'
import { SpnegoError } from './spnego.ts'
import { Smb2Client, SmbStatusError } from './smb2-client.ts'
import {
  COMMAND,
  SHARE_FLAG_ENCRYPT_DATA,
  SHARE_TYPES,
  SmbProtocolError,
  dialectName,
  statusName,
} from './smb2-wire.ts'

export const MAX_LISTED_NAMES = 1000

export const smbOptions = lazily(() =>
  z
    .object({
      share: z
        .string()
        .transform((v) => v.replace(/^[\\/]+|[\\/]+$/g, ''))
        .refine((v) => v !== '' && !/[\\/]/.test(v), { error: 'must be a share name, without slashes' }),
      file: z
        .string()
        .transform((v) => v.replace(/^[\\/]+/, ''))
        .refine((v) => v !== '' && !/[\\/]$/.test(v), { error: 'must be the path of a file in the share' })
        .optional(),
      ...fileMatchOptions(),
    })
    .strict()
    .superRefine((options, ctx) => {
      if (options.sha256 !== undefined && options.file === undefined) {
        ctx.addIssue({ code: 'custom', message: 'sha256 needs a file', path: ['sha256'] })
      }
    }),
)

export type SmbOptions = z.output<ReturnType<typeof smbOptions>>

export class SmbCheck extends ServiceType<SmbOptions> {
  static override shortName = 'smb'
  static override description =
    'SMB2/3 NTLM login, then a file of the share read (or the share listed) and matched'
  static override defaultPort = 445
  static override options = smbOptions

  override async doCheck(service: Service<SmbOptions>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    const { share, file } = service.options
    let client: Smb2Client | undefined
    let fileId: Buffer | undefined
    let username = ''
    try {
      mark('connect')
      const credentials = this.getCredentials(service)
      username = credentials.username
      const socket = await connectTcp(service.host, service.port, ctx.signal)
      client = new Smb2Client(socket, ctx.signal, (line) => ctx.debug(line))
      const { dialect, signingRequired } = await client.negotiate()
      ctx.debug(`SMB ${dialectName(dialect)}${signingRequired ? ', the server requires signing' : ''}`)

      mark('auth')
      const [domain, user] = splitDomain(credentials.username)
      const login = await client.login(user, domain, credentials.password)
      if (login.guest) {
        throw new CheckFailure(
          'auth',
          `the server let user "${username}" in only as a guest: the password was not checked`,
        )
      }

      mark('action')
      if (login.encrypt) throw encryptionRequired()
      const tree = await client.connectTree(service.host, share)
      ctx.debug(`share ${share}: ${SHARE_TYPES[tree.shareType] ?? `type ${tree.shareType}`}`)
      if (tree.shareFlags & SHARE_FLAG_ENCRYPT_DATA) throw encryptionRequired()
      if (file === undefined) {
        const opened = await client.open('', true)
        fileId = opened.fileId
        const { names, truncated } = await client.list(fileId, MAX_LISTED_NAMES)
        ctx.debug(`${names.length}${truncated ? '+' : ''} names in ${share}`)
        mark('match')
        const what = truncated
          ? `listing of share ${share} (first ${names.length} names)`
          : `listing of share ${share}`
        matchExpected(names.join('\n'), service.options, what)
      } else {
        const opened = await client.open(file.replace(/[\\/]+/g, '\\'), false)
        fileId = opened.fileId
        const fetched = await download(client, fileId, service.options.max_bytes)
        ctx.debug(`${file}: ${opened.endOfFile} bytes, ${fetched.data.length} read`)
        mark('match')
        matchFile(fetched, service.options, file)
      }
    } catch (err) {
      this.log(service, 'login', false)
      throw smbFailure(err, stage, { user: username, share, file })
    } finally {
      client?.end(fileId)
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'login', true)
  }
}

/** `DOMAIN\user` into its parts; a plain name (or `user@domain`) has an empty domain. */
export function splitDomain(username: string): [domain: string, user: string] {
  const at = username.indexOf('\\')
  return at < 0 ? ['', username] : [username.slice(0, at), username.slice(at + 1)]
}

/** Reads the file from its start: at most `max` bytes, and whether it has more. */
async function download(client: Smb2Client, fileId: Buffer, max: number): Promise<FetchedFile> {
  const chunks: Buffer[] = []
  let total = 0
  // One byte past the limit tells a file of exactly `max` bytes from a longer one.
  while (total <= max) {
    const chunk = await client.read(fileId, BigInt(total), max + 1 - total)
    if (chunk.length === 0) break
    chunks.push(chunk)
    total += chunk.length
  }
  const data = Buffer.concat(chunks)
  return { data: data.subarray(0, max), truncated: data.length > max }
}

function encryptionRequired(): CheckFailure {
  return new CheckFailure('action', 'the server requires SMB3 encryption, which the check does not support')
}

const NOT_FOUND = new Set([0xc0000034, 0xc000003a, 0xc000000f])
const ACCOUNT_REFUSED = new Set([0xc000006d, 0xc0000064])

/** A failure in words: NT statuses by the command that got them, protocol errors as they are. */
function smbFailure(
  err: unknown,
  stage: Stage,
  names: { user: string; share: string; file: string | undefined },
): CheckFailure {
  if (err instanceof SmbStatusError) {
    const status = statusName(err.status)
    const { user, share, file } = names
    const denied = err.status === 0xc0000022
    switch (err.command) {
      case COMMAND.NEGOTIATE:
        return new CheckFailure(
          'connect',
          `the server accepts none of the SMB dialects 2.0.2 to 3.1.1 (${status})`,
        )
      case COMMAND.SESSION_SETUP:
        if (ACCOUNT_REFUSED.has(err.status))
          return new CheckFailure('auth', `login refused for user "${user}"`)
        return new CheckFailure(
          'auth',
          denied
            ? `login refused for user "${user}" (${status}: the account may not use this server, or the server requires SMB3 encryption, which the check does not support)`
            : `login refused for user "${user}" (${status})`,
        )
      case COMMAND.TREE_CONNECT:
        return new CheckFailure(
          'action',
          err.status === 0xc00000cc
            ? `share ${share} not found (${status})`
            : denied
              ? `access to share ${share} denied (${status})`
              : `cannot connect to share ${share} (${status})`,
        )
      case COMMAND.CREATE:
        if (file === undefined)
          return new CheckFailure('action', `cannot open share ${share} for listing (${status})`)
        return new CheckFailure(
          'action',
          NOT_FOUND.has(err.status)
            ? `file ${file} not found in share ${share} (${status})`
            : denied
              ? `access to file ${file} denied (${status})`
              : err.status === 0xc00000ba
                ? `${file} is a folder, not a file (${status})`
                : `cannot open file ${file} (${status})`,
        )
      case COMMAND.READ:
        return new CheckFailure('action', `cannot read file ${file ?? ''} (${status})`)
      case COMMAND.QUERY_DIRECTORY:
        return new CheckFailure('action', `cannot list share ${share} (${status})`)
      default:
        return new CheckFailure(stage, err.message)
    }
  }
  if (err instanceof SmbProtocolError || err instanceof NtlmError || err instanceof SpnegoError) {
    return new CheckFailure(stage, err.message, { cause: err })
  }
  if (stage === 'connect' && err instanceof Error && err.message === 'the server closed the connection') {
    return new CheckFailure(
      'connect',
      'the server closed the connection during the SMB2 negotiation (an SMB1-only server?)',
      { cause: err },
    )
  }
  return failureOf(err, stage)
}

/**
 * A demo SMB2 file server: enough of one for the `smb` check. It negotiates a dialect from 2.0.2 to
 * 3.0.2, logs users in with NTLMv2 in SPNEGO (checking the response against their password),
 * signs the session when told to require signing and then refuses unsigned or badly signed
 * requests, and serves read-only shares held in memory: tree connect, open, read, a listing of the
 * top folder, close, logoff. Paths in a share use `/`; a name in `denied` answers ACCESS_DENIED.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Socket } from 'node:net'
import { StreamReader } from '../../checks/stream-reader.ts'
import { AV, NTLM_FLAGS, ntlmv2Proof, ntowfv2, parseAuthenticate, rc4 } from '../../checks/smb/ntlm.ts'
import {
  NEG_STATE,
  NTLMSSP_OID,
  negTokenResp,
  parseNegTokenInit,
  parseNegTokenResp,
} from '../../checks/smb/spnego.ts'
import { preauthHash, signerFor, type Signer } from '../../checks/smb/smb2-signing.ts'
import {
  COMMAND,
  DIALECTS,
  FLAGS,
  HEADER_SIZE,
  SECURITY_MODE,
  SESSION_FLAGS,
  SMB_311,
  STATUS,
  decodeMessage,
  encodeHeader,
  type Message,
} from '../../checks/smb/smb2-wire.ts'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'

export interface SmbShare {
  /** Files by path (`docs/a.txt`); folders exist through the files in them. */
  files: Record<string, string | Buffer>
  /** Paths, or the share itself (`''`), that answer ACCESS_DENIED. */
  denied?: string[]
}

export interface SmbServerOptions extends ListenOptions {
  users: Record<string, string>
  shares: Record<string, SmbShare>
  /** The highest dialect chosen (3.0.2 unless set). */
  maxDialect?: number
  /** Require signing (SecurityMode SIGNING_REQUIRED) and check every signed request. */
  signingRequired?: boolean
  /** Unknown users are let in as guests (Samba's `map to guest = bad user`). */
  guestForUnknownUsers?: boolean
  /** Misbehaviours for tests: sign responses with a wrong key. */
  quirk?: 'bad-signature'
}

export interface SmbServer extends RunningServer {
  readonly openConnections: number
}

export async function startSmbServer(options: SmbServerOptions): Promise<SmbServer> {
  const host = options.host ?? DEFAULT_HOST
  const sockets = new SocketSet()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => socket.destroy())
    new Connection(socket, options).serve().catch(() => socket.destroy())
  })
  const port = await listen(server, host, options.port ?? 0)
  return {
    host,
    port,
    get openConnections() {
      return sockets.size
    },
    close: () => closeServer(server, sockets),
  }
}

const FILE_DIRECTORY_FILE = 0x1
const FILE_NON_DIRECTORY_FILE = 0x40

interface Open {
  path: string
  data: Buffer | undefined
  listed: boolean
}

class Connection {
  readonly #socket: Socket
  readonly #options: SmbServerOptions
  #dialect = 0
  #sessionId = 0n
  #serverChallenge = randomBytes(8)
  #signer: Signer | undefined
  /** The session's signer: 3.1.1 wants TREE_CONNECT signed even when signing is not required. */
  #sessionSigner: Signer | undefined
  /** SMB 3.1.1 preauth integrity hash. */
  #preauth: Buffer = Buffer.alloc(64)
  #sent: Buffer = Buffer.alloc(0)
  #shares = new Map<number, string>()
  #opens = new Map<string, Open>()

  constructor(socket: Socket, options: SmbServerOptions) {
    this.#socket = socket
    this.#options = options
  }

  async serve(): Promise<void> {
    const reader = new StreamReader(this.#socket, new AbortController().signal)
    for (;;) {
      const length = (await reader.read(4)).readUInt32BE(0)
      if (length > 1024 * 1024) return void this.#socket.destroy()
      const request = decodeMessage(await reader.read(length))
      const mustSign =
        this.#signer ??
        (this.#dialect === SMB_311 && request.command === COMMAND.TREE_CONNECT
          ? this.#sessionSigner
          : undefined)
      if (mustSign && request.command !== COMMAND.SESSION_SETUP) {
        if (!(request.flags & FLAGS.SIGNED) || !mustSign.verify(request.message)) {
          this.#reply(request, STATUS.ACCESS_DENIED)
          return void this.#socket.end()
        }
      }
      this.#handle(request)
    }
  }

  #handle(r: Message): void {
    switch (r.command) {
      case COMMAND.NEGOTIATE:
        return this.#negotiate(r)
      case COMMAND.SESSION_SETUP:
        return this.#sessionSetup(r)
      case COMMAND.TREE_CONNECT:
        return this.#treeConnect(r)
      case COMMAND.CREATE:
        return this.#create(r)
      case COMMAND.READ:
        return this.#read(r)
      case COMMAND.QUERY_DIRECTORY:
        return this.#queryDirectory(r)
      case COMMAND.CLOSE: {
        this.#opens.delete(r.body.subarray(8, 24).toString('hex'))
        return this.#reply(r, STATUS.SUCCESS, fixed(60, 0))
      }
      default:
        return this.#reply(r, STATUS.SUCCESS, fixed(4, 0))
    }
  }

  #negotiate(r: Message): void {
    const count = r.body.readUInt16LE(2)
    const offered = Array.from({ length: count }, (_, i) => r.body.readUInt16LE(36 + i * 2))
    const max = this.#options.maxDialect ?? SMB_311
    const dialect = Math.max(
      ...offered.filter((d) => d <= max && (DIALECTS as readonly number[]).includes(d)),
    )
    if (!Number.isFinite(dialect)) return this.#reply(r, STATUS.NOT_SUPPORTED)
    this.#dialect = dialect
    let body: Buffer = fixed(64, 65)
    const mode =
      SECURITY_MODE.SIGNING_ENABLED | (this.#options.signingRequired ? SECURITY_MODE.SIGNING_REQUIRED : 0)
    body.writeUInt16LE(mode, 2)
    body.writeUInt16LE(dialect, 4)
    body.writeUInt32LE(1024 * 1024, 28)
    body.writeUInt32LE(1024 * 1024, 32)
    body.writeUInt32LE(1024 * 1024, 36)
    if (dialect === SMB_311) {
      // One negotiate context: preauth integrity, SHA-512, with a 32-byte salt.
      const context = Buffer.alloc(8 + 38)
      context.writeUInt16LE(1, 0)
      context.writeUInt16LE(38, 2)
      context.writeUInt16LE(1, 8)
      context.writeUInt16LE(32, 10)
      context.writeUInt16LE(1, 12)
      randomBytes(32).copy(context, 14)
      body.writeUInt16LE(1, 6)
      body.writeUInt32LE(HEADER_SIZE + body.length, 60)
      body = Buffer.concat([body, context])
      this.#preauth = preauthHash(this.#preauth, r.message)
    }
    this.#reply(r, STATUS.SUCCESS, body)
    if (dialect === SMB_311) this.#preauth = preauthHash(this.#preauth, this.#sent)
  }

  #sessionSetup(r: Message): void {
    const token = r.message.subarray(
      r.body.readUInt16LE(12),
      r.body.readUInt16LE(12) + r.body.readUInt16LE(14),
    )
    if (this.#dialect === SMB_311) this.#preauth = preauthHash(this.#preauth, r.message)
    if (token[0] === 0x60) {
      parseNegTokenInit(token)
      this.#sessionId = randomBytes(8).readBigUInt64LE() | 1n
      this.#reply(
        r,
        STATUS.MORE_PROCESSING_REQUIRED,
        setupBody(
          0,
          negTokenResp({
            negState: NEG_STATE.ACCEPT_INCOMPLETE,
            supportedMech: NTLMSSP_OID,
            responseToken: this.#challenge(),
          }),
        ),
      )
      if (this.#dialect === SMB_311) this.#preauth = preauthHash(this.#preauth, this.#sent)
      return
    }
    const auth = parseAuthenticate(parseNegTokenResp(token).responseToken ?? Buffer.alloc(0))
    const password = this.#options.users[auth.user]
    if (password === undefined && this.#options.guestForUnknownUsers) {
      return this.#reply(r, STATUS.SUCCESS, setupBody(SESSION_FLAGS.IS_GUEST, Buffer.alloc(0)))
    }
    const key = ntowfv2(password ?? '', auth.user, auth.domain)
    const { proof, sessionBaseKey } = ntlmv2Proof(key, this.#serverChallenge, auth.ntResponse.subarray(16))
    if (
      password === undefined ||
      auth.ntResponse.length < 48 ||
      !proof.equals(auth.ntResponse.subarray(0, 16))
    ) {
      return this.#reply(r, STATUS.LOGON_FAILURE)
    }
    const sessionKey =
      auth.flags & NTLM_FLAGS.KEY_EXCH ? rc4(sessionBaseKey, auth.encryptedKey) : sessionBaseKey
    const signer = signerFor(
      this.#dialect,
      this.#options.quirk === 'bad-signature' ? randomBytes(16) : sessionKey,
      this.#preauth,
    )
    this.#sessionSigner = signer
    const body = setupBody(0, negTokenResp({ negState: NEG_STATE.ACCEPT_COMPLETED }))
    if (this.#options.signingRequired) this.#signer = signer
    this.#reply(
      r,
      STATUS.SUCCESS,
      body,
      this.#dialect >= 0x0300 || this.#options.signingRequired ? signer : undefined,
    )
  }

  /** The NTLM CHALLENGE, with the target info a Windows server sends. */
  #challenge(): Buffer {
    const pair = (id: number, value: Buffer) => {
      const head = Buffer.alloc(4)
      head.writeUInt16LE(id, 0)
      head.writeUInt16LE(value.length, 2)
      return Buffer.concat([head, value])
    }
    const time = Buffer.alloc(8)
    time.writeBigUInt64LE(BigInt(Date.now()) * 10_000n + 116_444_736_000_000_000n)
    const info = Buffer.concat([
      pair(AV.NB_DOMAIN_NAME, Buffer.from('DEMO', 'utf16le')),
      pair(AV.NB_COMPUTER_NAME, Buffer.from('FILES', 'utf16le')),
      pair(AV.TIMESTAMP, time),
      pair(AV.EOL, Buffer.alloc(0)),
    ])
    const name = Buffer.from('DEMO', 'utf16le')
    const header = Buffer.alloc(56)
    Buffer.from('NTLMSSP\0', 'latin1').copy(header)
    header.writeUInt32LE(2, 8)
    header.writeUInt16LE(name.length, 12)
    header.writeUInt16LE(name.length, 14)
    header.writeUInt32LE(56, 16)
    const flags =
      NTLM_FLAGS.UNICODE |
      NTLM_FLAGS.NTLM |
      NTLM_FLAGS.SIGN |
      NTLM_FLAGS.ALWAYS_SIGN |
      NTLM_FLAGS.EXTENDED_SESSIONSECURITY |
      NTLM_FLAGS.TARGET_INFO |
      NTLM_FLAGS.N128 |
      NTLM_FLAGS.KEY_EXCH |
      NTLM_FLAGS.N56
    header.writeUInt32LE(flags >>> 0, 20)
    this.#serverChallenge.copy(header, 24)
    header.writeUInt16LE(info.length, 40)
    header.writeUInt16LE(info.length, 42)
    header.writeUInt32LE(56 + name.length, 44)
    return Buffer.concat([header, name, info])
  }

  #treeConnect(r: Message): void {
    const at = r.body.readUInt16LE(4)
    const path = r.message.toString('utf16le', at, at + r.body.readUInt16LE(6))
    const name = path.slice(path.lastIndexOf('\\') + 1)
    const share = this.#options.shares[name]
    if (!share) return this.#reply(r, STATUS.BAD_NETWORK_NAME)
    if (share.denied?.includes('')) return this.#reply(r, STATUS.ACCESS_DENIED)
    const treeId = this.#shares.size + 1
    this.#shares.set(treeId, name)
    const body = fixed(16, 16)
    body.writeUInt8(1, 2)
    body.writeUInt32LE(0x001f01ff, 12)
    this.#reply(r, STATUS.SUCCESS, body, undefined, treeId)
  }

  #create(r: Message): void {
    const share = this.#options.shares[this.#shares.get(r.treeId) ?? '']
    if (!share) return this.#reply(r, STATUS.INVALID_PARAMETER)
    const at = r.body.readUInt16LE(44)
    const path = r.message.toString('utf16le', at, at + r.body.readUInt16LE(46)).replaceAll('\\', '/')
    const options = r.body.readUInt32LE(40)
    const file = share.files[path]
    const folder = path === '' || Object.keys(share.files).some((p) => p.startsWith(`${path}/`))
    if (share.denied?.includes(path)) return this.#reply(r, STATUS.ACCESS_DENIED)
    if (file === undefined && !folder) {
      const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : ''
      const parentExists = parent === '' || Object.keys(share.files).some((p) => p.startsWith(`${parent}/`))
      return this.#reply(r, parentExists ? STATUS.OBJECT_NAME_NOT_FOUND : STATUS.OBJECT_PATH_NOT_FOUND)
    }
    if (folder && options & FILE_NON_DIRECTORY_FILE) return this.#reply(r, STATUS.FILE_IS_A_DIRECTORY)
    if (!folder && options & FILE_DIRECTORY_FILE) return this.#reply(r, 0xc0000103)
    const data = file === undefined ? undefined : Buffer.from(file)
    const fileId = randomBytes(16)
    this.#opens.set(fileId.toString('hex'), { path, data, listed: false })
    const body = fixed(88, 89)
    body.writeUInt32LE(1, 4)
    body.writeBigUInt64LE(BigInt(data?.length ?? 0), 48)
    body.writeUInt32LE(folder ? 0x10 : 0x80, 56)
    fileId.copy(body, 64)
    this.#reply(r, STATUS.SUCCESS, body)
  }

  #read(r: Message): void {
    const open = this.#opens.get(r.body.subarray(16, 32).toString('hex'))
    if (!open?.data) return this.#reply(r, 0xc0000008)
    const length = r.body.readUInt32LE(4)
    const offset = Number(r.body.readBigUInt64LE(8))
    if (offset >= open.data.length) return this.#reply(r, STATUS.END_OF_FILE)
    const data = open.data.subarray(offset, offset + length)
    const body = fixed(16, 17)
    body.writeUInt8(HEADER_SIZE + 16, 2)
    body.writeUInt32LE(data.length, 4)
    this.#reply(r, STATUS.SUCCESS, Buffer.concat([body, data]))
  }

  #queryDirectory(r: Message): void {
    const open = this.#opens.get(r.body.subarray(8, 24).toString('hex'))
    const share = this.#options.shares[this.#shares.get(r.treeId) ?? '']
    if (!open || !share || open.data) return this.#reply(r, 0xc0000008)
    if (open.listed && !(r.body.readUInt8(3) & 0x01)) return this.#reply(r, STATUS.NO_MORE_FILES)
    open.listed = true
    const prefix = open.path === '' ? '' : `${open.path}/`
    const names = new Set(['.', '..'])
    for (const p of Object.keys(share.files)) {
      if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!)
    }
    const entries = [...names].map((name, i, all) => {
      const encoded = Buffer.from(name, 'utf16le')
      const entry = Buffer.alloc(Math.ceil((12 + encoded.length) / 8) * 8)
      if (i < all.length - 1) entry.writeUInt32LE(entry.length, 0)
      entry.writeUInt32LE(encoded.length, 8)
      encoded.copy(entry, 12)
      return entry
    })
    const data = Buffer.concat(entries)
    const body = fixed(8, 9)
    body.writeUInt16LE(HEADER_SIZE + 8, 2)
    body.writeUInt32LE(data.length, 4)
    this.#reply(r, STATUS.SUCCESS, Buffer.concat([body, data]))
  }

  /** Sends the response to `r`, signed when `r` was, or by `signer`; kept in `#sent` as sent. */
  #reply(r: Message, status: number, body?: Buffer, signer?: Signer, treeId = r.treeId): void {
    const header = encodeHeader({
      command: r.command,
      status,
      flags: FLAGS.SERVER_TO_REDIR,
      messageId: r.messageId,
      treeId,
      sessionId: this.#sessionId,
      creditCharge: r.creditCharge,
      credits: 32,
    })
    // An error response: StructureSize 9 and one byte of error data.
    const message = Buffer.concat([header, body ?? fixed(9, 9)])
    const signing = signer ?? (r.flags & FLAGS.SIGNED ? (this.#signer ?? this.#sessionSigner) : undefined)
    signing?.sign(message)
    const frame = Buffer.alloc(4)
    frame.writeUInt32BE(message.length)
    this.#socket.write(Buffer.concat([frame, message]))
    this.#sent = message
  }
}

/** A zeroed body of `size` bytes starting with its StructureSize. */
function fixed(size: number, structureSize: number): Buffer {
  const body = Buffer.alloc(size)
  body.writeUInt16LE(structureSize, 0)
  return body
}

function setupBody(sessionFlags: number, token: Buffer): Buffer {
  const body = fixed(8, 9)
  body.writeUInt16LE(sessionFlags, 2)
  body.writeUInt16LE(HEADER_SIZE + 8, 4)
  body.writeUInt16LE(token.length, 6)
  return Buffer.concat([body, token])
}

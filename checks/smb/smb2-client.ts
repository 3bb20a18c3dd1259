/**
 * A minimal SMB2/3 client over one TCP connection: NEGOTIATE (2.0.2 to 3.1.1), SESSION_SETUP with
 * NTLMv2 in SPNEGO, TREE_CONNECT, CREATE, READ, QUERY_DIRECTORY, CLOSE. One request at a time;
 * requests are signed, and responses checked, when the server requires signing. Every length the
 * server sends is checked, and no message over 256 KiB is read.
 */
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { StreamReader } from '../stream-reader.ts'
import { ntlmAuthenticate, ntlmNegotiate, parseChallenge } from './ntlm.ts'
import { NEG_STATE, negTokenInit, negTokenResp, parseNegTokenResp } from './spnego.ts'
import { preauthHash, signerFor, type Signer } from './smb2-signing.ts'
import {
  COMMAND,
  DIALECTS,
  FILE_DIRECTORY_FILE,
  FILE_NON_DIRECTORY_FILE,
  FLAGS,
  SECURITY_MODE,
  SESSION_FLAGS,
  SMB_311,
  STATUS,
  SmbProtocolError,
  closeRequest,
  createRequest,
  decodeMessage,
  emptyRequest,
  encodeHeader,
  negotiateRequest,
  parseCreate,
  parseNegotiate,
  parseQueryDirectory,
  parseRead,
  parseSessionSetup,
  parseTreeConnect,
  queryDirectoryRequest,
  readRequest,
  sessionSetupRequest,
  statusName,
  treeConnectRequest,
  type Message,
} from './smb2-wire.ts'

export const MAX_MESSAGE_BYTES = 256 * 1024
/** What one READ or QUERY_DIRECTORY asks for: 64 KiB costs one credit in every dialect. */
export const CHUNK_BYTES = 64 * 1024
const MAX_LISTING_PAGES = 64
const OPLOCK_BREAK_ID = 0xffffffffffffffffn
const WORKSTATION = 'SCANNER'

const COMMAND_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(COMMAND).map(([name, code]) => [code, name]),
)

/** A request the server answered with an error status. */
export class SmbStatusError extends Error {
  readonly status: number
  readonly command: number
  constructor(command: number, status: number) {
    super(`${COMMAND_NAMES[command] ?? `command ${command}`} failed: ${statusName(status)}`)
    this.status = status
    this.command = command
  }
}

export interface LoginResult {
  /** The server let the user in as a guest or anonymously: the password was not checked. */
  guest: boolean
  /** The server wants the session encrypted (not supported). */
  encrypt: boolean
}

export class Smb2Client {
  readonly #socket: Socket
  readonly #reader: StreamReader
  readonly #debug: (line: string) => void
  #messageId = 0n
  #sessionId = 0n
  #treeId = 0
  #dialect = 0
  #maxRead = CHUNK_BYTES
  #signingRequired = false
  /** SMB 3.1.1: the preauth integrity hash of the negotiation. */
  #preauth: Buffer | undefined
  /** The last request sent, as sent (for the preauth hash). */
  #sent: Buffer = Buffer.alloc(0)
  /** Signs requests and checks responses once the session is set up, when signing is in force. */
  #signer: Signer | undefined
  /** The session's signer even when signing is not in force: 3.1.1 signs TREE_CONNECT anyway. */
  #sessionSigner: Signer | undefined

  constructor(socket: Socket, signal: AbortSignal, debug: (line: string) => void) {
    this.#socket = socket
    this.#reader = new StreamReader(socket, signal)
    this.#debug = debug
  }

  get dialect(): number {
    return this.#dialect
  }

  /** NEGOTIATE: the dialect and whether the server requires signing. */
  async negotiate(): Promise<{ dialect: number; signingRequired: boolean }> {
    const response = await this.#request(
      COMMAND.NEGOTIATE,
      negotiateRequest(randomBytes(16), randomBytes(32)),
    )
    const negotiated = parseNegotiate(this.#succeeded(response))
    if (!(DIALECTS as readonly number[]).includes(negotiated.dialect)) {
      throw new SmbProtocolError(
        `the server chose SMB dialect 0x${negotiated.dialect.toString(16)}, which was not offered`,
      )
    }
    this.#dialect = negotiated.dialect
    if (this.#dialect === SMB_311) {
      this.#preauth = preauthHash(preauthHash(Buffer.alloc(64), this.#sent), response.message)
    }
    this.#maxRead = Math.max(1, Math.min(CHUNK_BYTES, negotiated.maxReadSize))
    this.#signingRequired = (negotiated.securityMode & SECURITY_MODE.SIGNING_REQUIRED) !== 0
    return { dialect: this.#dialect, signingRequired: this.#signingRequired }
  }

  /** SESSION_SETUP with NTLMv2 in SPNEGO; throws `SmbStatusError` when the login is refused. */
  async login(user: string, domain: string, password: string): Promise<LoginResult> {
    const first = await this.#request(
      COMMAND.SESSION_SETUP,
      sessionSetupRequest(negTokenInit(ntlmNegotiate())),
    )
    if (first.status !== STATUS.MORE_PROCESSING_REQUIRED) {
      this.#succeeded(first)
      throw new SmbProtocolError('the server ended the login without an NTLM challenge')
    }
    this.#sessionId = first.sessionId
    let preauth = this.#preauth && preauthHash(preauthHash(this.#preauth, this.#sent), first.message)
    const challengeToken = parseNegTokenResp(parseSessionSetup(first).token).responseToken
    if (!challengeToken) throw new SmbProtocolError('the server sent no NTLM challenge')
    const challenge = parseChallenge(challengeToken)
    const { message, sessionKey } = ntlmAuthenticate(challenge, {
      user,
      domain,
      password,
      workstation: WORKSTATION,
    })
    // The last request is in the preauth hash, its answer is not: the key is known before it comes.
    const final = await this.#request(
      COMMAND.SESSION_SETUP,
      sessionSetupRequest(negTokenResp({ responseToken: message })),
      (sent) => (preauth = preauth && preauthHash(preauth, sent)),
    )
    const signer = signerFor(this.#dialect, sessionKey, preauth)
    const setup = parseSessionSetup(this.#succeeded(final))
    if (setup.token.length > 0 && parseNegTokenResp(setup.token).negState === NEG_STATE.REJECT) {
      throw new SmbStatusError(COMMAND.SESSION_SETUP, STATUS.LOGON_FAILURE)
    }
    const guest = (setup.sessionFlags & (SESSION_FLAGS.IS_GUEST | SESSION_FLAGS.IS_NULL)) !== 0
    if (final.flags & FLAGS.SIGNED && !guest && !signer.verify(final.message)) {
      throw new SmbProtocolError('the server signed the end of the login with a wrong key')
    }
    if (!guest) this.#sessionSigner = signer
    if (this.#signingRequired && !guest) this.#signer = signer
    this.#debug(
      `logged in${guest ? ' as a guest' : ''} (session flags 0x${setup.sessionFlags.toString(16)}` +
        `${this.#signer ? ', signed' : ''})`,
    )
    return { guest, encrypt: (setup.sessionFlags & SESSION_FLAGS.ENCRYPT_DATA) !== 0 }
  }

  /** TREE_CONNECT to `\\host\share`. */
  async connectTree(host: string, share: string): Promise<{ shareType: number; shareFlags: number }> {
    const response = await this.#request(COMMAND.TREE_CONNECT, treeConnectRequest(`\\\\${host}\\${share}`))
    const tree = parseTreeConnect(this.#succeeded(response))
    this.#treeId = response.treeId
    return tree
  }

  /** CREATE (open for reading) of a file, or of a directory (`''` is the share's root). */
  async open(path: string, directory: boolean): Promise<{ fileId: Buffer; endOfFile: bigint }> {
    const options = directory ? FILE_DIRECTORY_FILE : FILE_NON_DIRECTORY_FILE
    return parseCreate(this.#succeeded(await this.#request(COMMAND.CREATE, createRequest(path, options))))
  }

  /** One READ of at most `wanted` bytes at `offset`; an empty buffer at the end of the file. */
  async read(fileId: Buffer, offset: bigint, wanted: number): Promise<Buffer> {
    const length = Math.max(1, Math.min(wanted, this.#maxRead))
    const response = await this.#request(COMMAND.READ, readRequest(fileId, offset, length))
    if (response.status === STATUS.END_OF_FILE) return Buffer.alloc(0)
    return parseRead(this.#succeeded(response), length)
  }

  /** The names in a directory (`.` and `..` left out), at most `max` of them. */
  async list(fileId: Buffer, max: number): Promise<{ names: string[]; truncated: boolean }> {
    const names: string[] = []
    // A server that answers with empty pages forever is cut short too.
    for (let page = 0; page < MAX_LISTING_PAGES; page++) {
      const response = await this.#request(
        COMMAND.QUERY_DIRECTORY,
        queryDirectoryRequest(fileId, page === 0, this.#maxRead),
      )
      if (response.status === STATUS.NO_MORE_FILES) return { names, truncated: false }
      for (const name of parseQueryDirectory(this.#succeeded(response))) {
        if (name === '.' || name === '..') continue
        if (names.length === max) return { names, truncated: true }
        names.push(name)
      }
    }
    return { names, truncated: true }
  }

  /** CLOSE of `fileId`, then LOGOFF, without waiting for the answers; the connection is let go. */
  end(fileId: Buffer | undefined): void {
    if (this.#socket.destroyed) return
    try {
      if (fileId) this.#write(COMMAND.CLOSE, closeRequest(fileId))
      if (this.#sessionId !== 0n) this.#write(COMMAND.LOGOFF, emptyRequest())
    } finally {
      this.#socket.destroySoon()
    }
  }

  #succeeded(m: Message): Message {
    if (m.status !== STATUS.SUCCESS) throw new SmbStatusError(m.command, m.status)
    return m
  }

  /** Sends a request and returns its final response (interim and oplock-break messages skipped). */
  async #request(command: number, body: Buffer, sent?: (message: Buffer) => void): Promise<Message> {
    const id = this.#write(command, body)
    sent?.(this.#sent)
    for (;;) {
      const response = decodeMessage(await this.#frame())
      if (response.messageId === OPLOCK_BREAK_ID) continue
      if (response.messageId !== id || response.command !== command) {
        throw new SmbProtocolError(`the server answered message ${response.messageId} to request ${id}`)
      }
      if (response.flags & FLAGS.ASYNC_COMMAND && response.status === STATUS.PENDING) continue
      this.#checkSignature(response)
      return response
    }
  }

  #write(command: number, body: Buffer): bigint {
    const id = this.#messageId++
    const header = encodeHeader({
      command,
      status: 0,
      flags: 0,
      messageId: id,
      treeId: this.#treeId,
      sessionId: this.#sessionId,
      // 2.0.2 has no credit charge; later dialects charge one credit per 64 KiB.
      creditCharge: this.#dialect > 0x0202 ? 1 : 0,
      credits: 64,
    })
    const message = Buffer.concat([header, body])
    // 3.1.1 signs TREE_CONNECT even when signing is not required (MS-SMB2 3.2.4.1.1).
    const signer =
      this.#signer ??
      (command === COMMAND.TREE_CONNECT && this.#dialect === SMB_311 ? this.#sessionSigner : undefined)
    if (signer && command !== COMMAND.NEGOTIATE && command !== COMMAND.SESSION_SETUP) {
      signer.sign(message)
    }
    this.#sent = message
    const frame = Buffer.alloc(4)
    frame.writeUInt32BE(message.length)
    this.#socket.write(Buffer.concat([frame, message]))
    return id
  }

  #checkSignature(response: Message): void {
    const signer = this.#signer ?? (response.flags & FLAGS.SIGNED ? this.#sessionSigner : undefined)
    if (!signer || response.command === COMMAND.SESSION_SETUP) return
    if (response.flags & FLAGS.SIGNED) {
      if (!signer.verify(response.message)) {
        throw new SmbProtocolError('the server signed its answer with a wrong key')
      }
    } else if (response.status === STATUS.SUCCESS) {
      throw new SmbProtocolError('the server did not sign its answer although it requires signing')
    }
  }

  /** One Direct TCP frame: a zero byte, a 24-bit length, the message. */
  async #frame(): Promise<Buffer> {
    const head = await this.#reader.read(4)
    const length = head.readUInt32BE(0)
    if (head[0] !== 0) throw new SmbProtocolError('the server did not answer with an SMB2 message')
    if (length > MAX_MESSAGE_BYTES) {
      throw new SmbProtocolError(
        `the server sent a ${length}-byte message (at most ${MAX_MESSAGE_BYTES} read)`,
      )
    }
    return this.#reader.read(length)
  }
}

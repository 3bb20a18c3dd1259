/**
 * The SMB2 wire format (MS-SMB2 2.2) for the few commands the `smb` check sends: the 64-byte
 * header, the request bodies, and bounds-checked reads of the responses. Framing over TCP is the
 * Direct TCP transport: a zero byte and a 24-bit big-endian length before every message.
 */

export const PROTOCOL_ID = Buffer.from([0xfe, 0x53, 0x4d, 0x42])
export const SMB1_PROTOCOL_ID = Buffer.from([0xff, 0x53, 0x4d, 0x42])
export const HEADER_SIZE = 64

export const COMMAND = {
  NEGOTIATE: 0x00,
  SESSION_SETUP: 0x01,
  LOGOFF: 0x02,
  TREE_CONNECT: 0x03,
  TREE_DISCONNECT: 0x04,
  CREATE: 0x05,
  CLOSE: 0x06,
  READ: 0x08,
  QUERY_DIRECTORY: 0x0e,
} as const

export const FLAGS = { SERVER_TO_REDIR: 0x1, ASYNC_COMMAND: 0x2, SIGNED: 0x8 } as const

/** Dialects offered, oldest first: 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1. */
export const DIALECTS = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311] as const
export const SMB_311 = 0x0311

export const SECURITY_MODE = { SIGNING_ENABLED: 0x1, SIGNING_REQUIRED: 0x2 } as const
export const SESSION_FLAGS = { IS_GUEST: 0x1, IS_NULL: 0x2, ENCRYPT_DATA: 0x4 } as const
export const SHARE_FLAG_ENCRYPT_DATA = 0x8000
export const SHARE_TYPES: Record<number, string> = { 1: 'disk', 2: 'pipe', 3: 'printer' }

export const STATUS = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  NO_MORE_FILES: 0x80000006,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  END_OF_FILE: 0xc0000011,
  LOGON_FAILURE: 0xc000006d,
  ACCESS_DENIED: 0xc0000022,
  BAD_NETWORK_NAME: 0xc00000cc,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  FILE_IS_A_DIRECTORY: 0xc00000ba,
  NOT_SUPPORTED: 0xc00000bb,
  INVALID_PARAMETER: 0xc000000d,
} as const

const STATUS_NAMES: Record<number, string> = {
  0x00000000: 'STATUS_SUCCESS',
  0x00000103: 'STATUS_PENDING',
  0x80000006: 'STATUS_NO_MORE_FILES',
  0xc0000001: 'STATUS_UNSUCCESSFUL',
  0xc0000002: 'STATUS_NOT_IMPLEMENTED',
  0xc0000008: 'STATUS_INVALID_HANDLE',
  0xc000000d: 'STATUS_INVALID_PARAMETER',
  0xc000000f: 'STATUS_NO_SUCH_FILE',
  0xc0000010: 'STATUS_INVALID_DEVICE_REQUEST',
  0xc0000011: 'STATUS_END_OF_FILE',
  0xc0000016: 'STATUS_MORE_PROCESSING_REQUIRED',
  0xc0000022: 'STATUS_ACCESS_DENIED',
  0xc0000033: 'STATUS_OBJECT_NAME_INVALID',
  0xc0000034: 'STATUS_OBJECT_NAME_NOT_FOUND',
  0xc000003a: 'STATUS_OBJECT_PATH_NOT_FOUND',
  0xc0000043: 'STATUS_SHARING_VIOLATION',
  0xc0000054: 'STATUS_FILE_LOCK_CONFLICT',
  0xc0000056: 'STATUS_DELETE_PENDING',
  0xc0000061: 'STATUS_PRIVILEGE_NOT_HELD',
  0xc0000064: 'STATUS_NO_SUCH_USER',
  0xc000006d: 'STATUS_LOGON_FAILURE',
  0xc000006e: 'STATUS_ACCOUNT_RESTRICTION',
  0xc000006f: 'STATUS_INVALID_LOGON_HOURS',
  0xc0000070: 'STATUS_INVALID_WORKSTATION',
  0xc0000071: 'STATUS_PASSWORD_EXPIRED',
  0xc0000072: 'STATUS_ACCOUNT_DISABLED',
  0xc000009a: 'STATUS_INSUFFICIENT_RESOURCES',
  0xc00000ba: 'STATUS_FILE_IS_A_DIRECTORY',
  0xc00000bb: 'STATUS_NOT_SUPPORTED',
  0xc00000be: 'STATUS_BAD_NETWORK_PATH',
  0xc00000c9: 'STATUS_NETWORK_NAME_DELETED',
  0xc00000cc: 'STATUS_BAD_NETWORK_NAME',
  0xc0000103: 'STATUS_NOT_A_DIRECTORY',
  0xc0000128: 'STATUS_FILE_CLOSED',
  0xc000015b: 'STATUS_LOGON_TYPE_NOT_GRANTED',
  0xc0000184: 'STATUS_INVALID_DEVICE_STATE',
  0xc000018d: 'STATUS_TRUSTED_RELATIONSHIP_FAILURE',
  0xc0000192: 'STATUS_NETLOGON_NOT_STARTED',
  0xc0000203: 'STATUS_USER_SESSION_DELETED',
  0xc0000205: 'STATUS_INSUFF_SERVER_RESOURCES',
  0xc000020c: 'STATUS_CONNECTION_DISCONNECTED',
  0xc0000224: 'STATUS_PASSWORD_MUST_CHANGE',
  0xc0000234: 'STATUS_ACCOUNT_LOCKED_OUT',
  0xc0000236: 'STATUS_CONNECTION_REFUSED',
  0xc000035c: 'STATUS_NETWORK_SESSION_EXPIRED',
}

/** The NT status name (`STATUS_ACCESS_DENIED`), or its hexadecimal code when not known. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `NT status 0x${status.toString(16).padStart(8, '0').toUpperCase()}`
}

export function dialectName(dialect: number): string {
  return `${dialect >> 8}.${(dialect >> 4) & 0xf}.${dialect & 0xf}`.replace(/\.0$/, '')
}

/** A malformed or unexpected SMB2 message. */
export class SmbProtocolError extends Error {}

export interface Header {
  command: number
  status: number
  flags: number
  messageId: bigint
  treeId: number
  sessionId: bigint
  creditCharge: number
  credits: number
}

/** A whole SMB2 message: the header, then `body` (`message` is both, as signed). */
export interface Message extends Header {
  message: Buffer
  body: Buffer
}

export function encodeHeader(h: Header): Buffer {
  const out = Buffer.alloc(HEADER_SIZE)
  PROTOCOL_ID.copy(out, 0)
  out.writeUInt16LE(HEADER_SIZE, 4)
  out.writeUInt16LE(h.creditCharge, 6)
  out.writeUInt32LE(h.status >>> 0, 8)
  out.writeUInt16LE(h.command, 12)
  out.writeUInt16LE(h.credits, 14)
  out.writeUInt32LE(h.flags >>> 0, 16)
  out.writeBigUInt64LE(h.messageId, 24)
  out.writeUInt32LE(h.treeId >>> 0, 36)
  out.writeBigUInt64LE(h.sessionId, 40)
  return out
}

/** Reads one SMB2 message (the first of a compound). */
export function decodeMessage(message: Buffer): Message {
  if (message.length >= 4 && message.subarray(0, 4).equals(SMB1_PROTOCOL_ID)) {
    throw new SmbProtocolError('the server answered in SMB1, which the check does not speak')
  }
  if (message.length < HEADER_SIZE || !message.subarray(0, 4).equals(PROTOCOL_ID)) {
    throw new SmbProtocolError('the server did not answer with an SMB2 message')
  }
  const flags = message.readUInt32LE(16)
  return {
    creditCharge: message.readUInt16LE(6),
    status: message.readUInt32LE(8),
    command: message.readUInt16LE(12),
    credits: message.readUInt16LE(14),
    flags,
    messageId: message.readBigUInt64LE(24),
    treeId: flags & FLAGS.ASYNC_COMMAND ? 0 : message.readUInt32LE(36),
    sessionId: message.readBigUInt64LE(40),
    message,
    body: message.subarray(HEADER_SIZE),
  }
}

/** Bounds-checked reads of a response body; buffer offsets count from the start of the header. */
export class BodyReader {
  readonly #m: Message
  readonly #what: string

  constructor(m: Message, what: string, minimum: number) {
    this.#m = m
    this.#what = what
    if (m.body.length < minimum) this.fail(`${m.body.length} bytes`)
  }

  fail(why: string): never {
    throw new SmbProtocolError(`the server sent a malformed ${this.#what} response (${why})`)
  }

  u8(at: number): number {
    return this.#m.body.readUInt8(at)
  }
  u16(at: number): number {
    return this.#m.body.readUInt16LE(at)
  }
  u32(at: number): number {
    return this.#m.body.readUInt32LE(at)
  }
  u64(at: number): bigint {
    return this.#m.body.readBigUInt64LE(at)
  }
  bytes(at: number, length: number): Buffer {
    return this.#m.body.subarray(at, at + length)
  }

  /** `length` bytes at `offset` from the start of the header, which must lie within the message. */
  buffer(offset: number, length: number): Buffer {
    if (length === 0) return Buffer.alloc(0)
    if (offset < HEADER_SIZE || offset + length > this.#m.message.length)
      this.fail('buffer outside the message')
    return this.#m.message.subarray(offset, offset + length)
  }
}

const utf16 = (text: string) => Buffer.from(text, 'utf16le')

const PREAUTH_INTEGRITY_CAPABILITIES = 0x0001
const SHA_512 = 0x0001

/**
 * NEGOTIATE offering every dialect, with the negotiate context 3.1.1 needs: preauth integrity with
 * SHA-512 (no encryption or compression context: the session stays unencrypted).
 */
export function negotiateRequest(clientGuid: Buffer, salt: Buffer): Buffer {
  const dialectsEnd = 36 + DIALECTS.length * 2
  // Negotiate contexts start 8-byte aligned, counted from the start of the header.
  const contextAt = Math.ceil((HEADER_SIZE + dialectsEnd) / 8) * 8 - HEADER_SIZE
  const body = Buffer.alloc(contextAt + 8 + 6 + salt.length)
  body.writeUInt16LE(36, 0)
  body.writeUInt16LE(DIALECTS.length, 2)
  body.writeUInt16LE(SECURITY_MODE.SIGNING_ENABLED, 4)
  clientGuid.copy(body, 12)
  body.writeUInt32LE(HEADER_SIZE + contextAt, 28)
  body.writeUInt16LE(1, 32)
  DIALECTS.forEach((d, i) => body.writeUInt16LE(d, 36 + i * 2))
  body.writeUInt16LE(PREAUTH_INTEGRITY_CAPABILITIES, contextAt)
  body.writeUInt16LE(6 + salt.length, contextAt + 2)
  body.writeUInt16LE(1, contextAt + 8)
  body.writeUInt16LE(salt.length, contextAt + 10)
  body.writeUInt16LE(SHA_512, contextAt + 12)
  salt.copy(body, contextAt + 14)
  return body
}

export interface NegotiateResponse {
  securityMode: number
  dialect: number
  maxReadSize: number
  securityBuffer: Buffer
}

export function parseNegotiate(m: Message): NegotiateResponse {
  const r = new BodyReader(m, 'NEGOTIATE', 64)
  const dialect = r.u16(4)
  if (dialect === SMB_311 && !hasSha512Preauth(r)) {
    r.fail('SMB 3.1.1 without SHA-512 preauth integrity')
  }
  return {
    securityMode: r.u16(2),
    dialect,
    maxReadSize: r.u32(32),
    securityBuffer: r.buffer(r.u16(56), r.u16(58)),
  }
}

/** Whether the negotiate contexts of a 3.1.1 NEGOTIATE response select SHA-512 preauth integrity. */
function hasSha512Preauth(r: BodyReader): boolean {
  let at = r.u32(60)
  for (let i = 0; i < r.u16(6); i++) {
    const head = r.buffer(at, 8)
    const length = head.readUInt16LE(2)
    const data = r.buffer(at + 8, length)
    if (head.readUInt16LE(0) === PREAUTH_INTEGRITY_CAPABILITIES) {
      return data.length >= 6 && data.readUInt16LE(0) >= 1 && data.readUInt16LE(4) === SHA_512
    }
    at = Math.ceil((at + 8 + length) / 8) * 8
  }
  return false
}

export function sessionSetupRequest(token: Buffer): Buffer {
  const body = Buffer.alloc(24)
  body.writeUInt16LE(25, 0)
  body.writeUInt8(SECURITY_MODE.SIGNING_ENABLED, 3)
  body.writeUInt16LE(HEADER_SIZE + 24, 12)
  body.writeUInt16LE(token.length, 14)
  return Buffer.concat([body, token])
}

export function parseSessionSetup(m: Message): { sessionFlags: number; token: Buffer } {
  const r = new BodyReader(m, 'SESSION_SETUP', 8)
  return { sessionFlags: r.u16(2), token: r.buffer(r.u16(4), r.u16(6)) }
}

export function treeConnectRequest(path: string): Buffer {
  const name = utf16(path)
  const body = Buffer.alloc(8)
  body.writeUInt16LE(9, 0)
  body.writeUInt16LE(HEADER_SIZE + 8, 4)
  body.writeUInt16LE(name.length, 6)
  return Buffer.concat([body, name])
}

export function parseTreeConnect(m: Message): { shareType: number; shareFlags: number } {
  const r = new BodyReader(m, 'TREE_CONNECT', 16)
  return { shareType: r.u8(2), shareFlags: r.u32(4) }
}

const FILE_READ_DATA = 0x1
const FILE_READ_ATTRIBUTES = 0x80
const SYNCHRONIZE = 0x100000
const FILE_SHARE_ALL = 0x7
const FILE_OPEN = 1
export const FILE_DIRECTORY_FILE = 0x1
export const FILE_NON_DIRECTORY_FILE = 0x40

/** CREATE (open) of an existing file or directory for reading; `path` without a leading `\`. */
export function createRequest(path: string, options: number): Buffer {
  const name = utf16(path)
  const body = Buffer.alloc(56)
  body.writeUInt16LE(57, 0)
  body.writeUInt32LE(2, 4) // impersonation
  body.writeUInt32LE(FILE_READ_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE, 24)
  body.writeUInt32LE(FILE_SHARE_ALL, 32)
  body.writeUInt32LE(FILE_OPEN, 36)
  body.writeUInt32LE(options, 40)
  body.writeUInt16LE(HEADER_SIZE + 56, 44)
  body.writeUInt16LE(name.length, 46)
  // The buffer holds at least one byte, even for the empty name of a share's root.
  return Buffer.concat([body, name.length > 0 ? name : Buffer.alloc(1)])
}

export function parseCreate(m: Message): { fileId: Buffer; endOfFile: bigint; attributes: number } {
  const r = new BodyReader(m, 'CREATE', 88)
  return { endOfFile: r.u64(48), attributes: r.u32(56), fileId: Buffer.from(r.bytes(64, 16)) }
}

export function readRequest(fileId: Buffer, offset: bigint, length: number): Buffer {
  const body = Buffer.alloc(49)
  body.writeUInt16LE(49, 0)
  body.writeUInt8(HEADER_SIZE + 16, 2)
  body.writeUInt32LE(length, 4)
  body.writeBigUInt64LE(offset, 8)
  fileId.copy(body, 16)
  return body
}

export function parseRead(m: Message, asked: number): Buffer {
  const r = new BodyReader(m, 'READ', 16)
  const length = r.u32(4)
  if (length > asked) r.fail(`${length} bytes where ${asked} were asked`)
  return r.buffer(r.u8(2), length)
}

const FILE_NAMES_INFORMATION = 0x0c
const RESTART_SCANS = 0x01

export function queryDirectoryRequest(fileId: Buffer, first: boolean, outputLength: number): Buffer {
  const pattern = utf16('*')
  const body = Buffer.alloc(32)
  body.writeUInt16LE(33, 0)
  body.writeUInt8(FILE_NAMES_INFORMATION, 2)
  body.writeUInt8(first ? RESTART_SCANS : 0, 3)
  fileId.copy(body, 8)
  body.writeUInt16LE(HEADER_SIZE + 32, 24)
  body.writeUInt16LE(pattern.length, 26)
  body.writeUInt32LE(outputLength, 28)
  return Buffer.concat([body, pattern])
}

/** The names in a QUERY_DIRECTORY response of FileNamesInformation entries. */
export function parseQueryDirectory(m: Message): string[] {
  const r = new BodyReader(m, 'QUERY_DIRECTORY', 8)
  const data = r.buffer(r.u16(2), r.u32(4))
  const names: string[] = []
  for (let at = 0; at + 12 <= data.length;) {
    const next = data.readUInt32LE(at)
    const length = data.readUInt32LE(at + 8)
    if (at + 12 + length > data.length) r.fail('file name outside the buffer')
    names.push(data.toString('utf16le', at + 12, at + 12 + length))
    if (next === 0) break
    if (next < 12) r.fail('entries overlap')
    at += next
  }
  return names
}

export function closeRequest(fileId: Buffer): Buffer {
  const body = Buffer.alloc(24)
  body.writeUInt16LE(24, 0)
  fileId.copy(body, 8)
  return body
}

/** TREE_DISCONNECT and LOGOFF have the same empty body. */
export function emptyRequest(): Buffer {
  const body = Buffer.alloc(4)
  body.writeUInt16LE(4, 0)
  return body
}

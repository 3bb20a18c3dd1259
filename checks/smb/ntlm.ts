/**
 * NTLM (MS-NLMP) as an SMB client uses it: the NEGOTIATE message, the server's CHALLENGE, and the
 * AUTHENTICATE message with an NTLMv2 response (LM and NTLMv1 are never sent: Samba and current
 * Windows refuse them). The session key that comes out of it signs the SMB2 session.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { md4 } from './md4.ts'

export const NTLM_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1')

/** NTLMSSP negotiate flags (MS-NLMP 2.2.2.5). */
export const NTLM_FLAGS = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const

/** What the client asks for: Unicode, NTLMv2-grade session security, signing, key exchange. */
export const CLIENT_FLAGS =
  (NTLM_FLAGS.UNICODE |
    NTLM_FLAGS.REQUEST_TARGET |
    NTLM_FLAGS.SIGN |
    NTLM_FLAGS.NTLM |
    NTLM_FLAGS.ALWAYS_SIGN |
    NTLM_FLAGS.EXTENDED_SESSIONSECURITY |
    NTLM_FLAGS.TARGET_INFO |
    NTLM_FLAGS.N128 |
    NTLM_FLAGS.KEY_EXCH |
    NTLM_FLAGS.N56) >>>
  0

/** AV_PAIR ids (MS-NLMP 2.2.2.1) the client looks at. */
export const AV = { EOL: 0, NB_COMPUTER_NAME: 1, NB_DOMAIN_NAME: 2, TIMESTAMP: 7 } as const

/** A malformed NTLM message. */
export class NtlmError extends Error {}

const utf16 = (text: string) => Buffer.from(text, 'utf16le')

const hmacMd5 = (key: Buffer, ...data: Buffer[]) => {
  const h = createHmac('md5', key)
  for (const d of data) h.update(d)
  return h.digest()
}

/** RC4, for the exchanged session key (OpenSSL 3 only has it in its legacy provider). */
export function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i)
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff
    ;[s[i], s[j]] = [s[j]!, s[i]!]
  }
  const out = Buffer.alloc(data.length)
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff
    j = (j + s[i]!) & 0xff
    ;[s[i], s[j]] = [s[j]!, s[i]!]
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!
  }
  return out
}

/** NTOWFv2: the key of every NTLMv2 computation, from the password, user and domain. */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain))
}

/** The NEGOTIATE message (no domain or workstation supplied). */
export function ntlmNegotiate(): Buffer {
  const message = Buffer.alloc(32)
  NTLM_SIGNATURE.copy(message)
  message.writeUInt32LE(1, 8)
  message.writeUInt32LE(CLIENT_FLAGS, 12)
  return message
}

/** A security buffer field (length, max length, offset) of an NTLM message, checked against it. */
function field(message: Buffer, at: number): Buffer {
  if (at + 8 > message.length) throw new NtlmError('NTLM message too short')
  const length = message.readUInt16LE(at)
  const offset = message.readUInt32LE(at + 4)
  if (length === 0) return Buffer.alloc(0)
  if (offset + length > message.length) throw new NtlmError('NTLM field outside the message')
  return message.subarray(offset, offset + length)
}

function checkHeader(message: Buffer, type: number): void {
  if (message.length < 12 || !message.subarray(0, 8).equals(NTLM_SIGNATURE)) {
    throw new NtlmError('not an NTLM message')
  }
  if (message.readUInt32LE(8) !== type) throw new NtlmError(`NTLM message of type ${type} expected`)
}

export interface NtlmChallenge {
  flags: number
  serverChallenge: Buffer
  targetName: string
  /** The TargetInfo AV pairs, as sent (echoed in the NTLMv2 response). */
  targetInfo: Buffer
  avPairs: Map<number, Buffer>
}

/** Reads the AV pairs of a TargetInfo. */
export function parseAvPairs(info: Buffer): Map<number, Buffer> {
  const pairs = new Map<number, Buffer>()
  for (let at = 0; at + 4 <= info.length;) {
    const id = info.readUInt16LE(at)
    const length = info.readUInt16LE(at + 2)
    if (id === AV.EOL) break
    if (at + 4 + length > info.length) throw new NtlmError('NTLM AV pair outside the target info')
    pairs.set(id, info.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  return pairs
}

export function parseChallenge(message: Buffer): NtlmChallenge {
  checkHeader(message, 2)
  if (message.length < 48) throw new NtlmError('NTLM CHALLENGE message too short')
  const flags = message.readUInt32LE(20)
  const targetInfo = flags & NTLM_FLAGS.TARGET_INFO ? field(message, 40) : Buffer.alloc(0)
  return {
    flags,
    serverChallenge: Buffer.from(message.subarray(24, 32)),
    targetName: field(message, 12).toString(flags & NTLM_FLAGS.UNICODE ? 'utf16le' : 'latin1'),
    targetInfo,
    avPairs: parseAvPairs(targetInfo),
  }
}

export interface NtlmCredentials {
  user: string
  domain: string
  password: string
  workstation: string
}

export interface NtlmAuthentication {
  message: Buffer
  /** The exported session key: the SMB2 session key. */
  sessionKey: Buffer
}

/** The NTLMv2 blob ("temp" in MS-NLMP 3.3.2) hashed into the response. */
export function ntlmv2Blob(clientChallenge: Buffer, timestamp: Buffer, targetInfo: Buffer): Buffer {
  const head = Buffer.alloc(28)
  head.writeUInt16LE(0x0101, 0)
  timestamp.copy(head, 8)
  clientChallenge.copy(head, 16)
  return Buffer.concat([head, targetInfo, Buffer.alloc(4)])
}

/** The NTProofStr of an NTLMv2 response and the session base key it gives. */
export function ntlmv2Proof(
  responseKey: Buffer,
  serverChallenge: Buffer,
  blob: Buffer,
): { proof: Buffer; sessionBaseKey: Buffer } {
  const proof = hmacMd5(responseKey, serverChallenge, blob)
  return { proof, sessionBaseKey: hmacMd5(responseKey, proof) }
}

/** Windows FILETIME (100 ns since 1601) of now. */
function fileTimeNow(): Buffer {
  const out = Buffer.alloc(8)
  out.writeBigUInt64LE(BigInt(Date.now()) * 10_000n + 116_444_736_000_000_000n)
  return out
}

/** The AUTHENTICATE message answering `challenge`, and the session key. */
export function ntlmAuthenticate(
  challenge: NtlmChallenge,
  credentials: NtlmCredentials,
  random: (n: number) => Buffer = randomBytes,
): NtlmAuthentication {
  const flags = (CLIENT_FLAGS & challenge.flags) >>> 0
  if (!(flags & NTLM_FLAGS.UNICODE)) throw new NtlmError('the server does not accept Unicode NTLM')
  const responseKey = ntowfv2(credentials.password, credentials.user, credentials.domain)
  const clientChallenge = random(8)
  const serverTime = challenge.avPairs.get(AV.TIMESTAMP)
  const blob = ntlmv2Blob(clientChallenge, serverTime ?? fileTimeNow(), challenge.targetInfo)
  const { proof, sessionBaseKey } = ntlmv2Proof(responseKey, challenge.serverChallenge, blob)
  const ntResponse = Buffer.concat([proof, blob])
  // With a server timestamp the LMv2 response must be zeros (MS-NLMP 3.1.5.1.2).
  const lmResponse = serverTime
    ? Buffer.alloc(24)
    : Buffer.concat([hmacMd5(responseKey, challenge.serverChallenge, clientChallenge), clientChallenge])
  let sessionKey: Buffer = sessionBaseKey
  let encryptedKey: Buffer = Buffer.alloc(0)
  if (flags & NTLM_FLAGS.KEY_EXCH) {
    sessionKey = random(16)
    encryptedKey = rc4(sessionBaseKey, sessionKey)
  }
  const payloads = [
    lmResponse,
    ntResponse,
    utf16(credentials.domain),
    utf16(credentials.user),
    utf16(credentials.workstation),
    encryptedKey,
  ]
  const header = Buffer.alloc(64)
  NTLM_SIGNATURE.copy(header)
  header.writeUInt32LE(3, 8)
  let offset = header.length
  payloads.forEach((payload, i) => {
    const at = 12 + i * 8
    header.writeUInt16LE(payload.length, at)
    header.writeUInt16LE(payload.length, at + 2)
    header.writeUInt32LE(offset, at + 4)
    offset += payload.length
  })
  header.writeUInt32LE(flags, 60)
  return { message: Buffer.concat([header, ...payloads]), sessionKey }
}

/** An AUTHENTICATE message as a server reads it (for the demo server). */
export interface NtlmAuthenticateFields {
  flags: number
  lmResponse: Buffer
  ntResponse: Buffer
  domain: string
  user: string
  workstation: string
  encryptedKey: Buffer
}

export function parseAuthenticate(message: Buffer): NtlmAuthenticateFields {
  checkHeader(message, 3)
  if (message.length < 64) throw new NtlmError('NTLM AUTHENTICATE message too short')
  const text = (at: number) => field(message, at).toString('utf16le')
  return {
    flags: message.readUInt32LE(60),
    lmResponse: field(message, 12),
    ntResponse: field(message, 20),
    domain: text(28),
    user: text(36),
    workstation: text(44),
    encryptedKey: field(message, 52),
  }
}

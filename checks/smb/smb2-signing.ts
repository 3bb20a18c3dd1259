/**
 * SMB2 message signing (MS-SMB2 3.1.4.1): HMAC-SHA256 with the session key for dialects 2.0.2 and
 * 2.1; AES-128-CMAC with a key derived by the SP800-108 KDF for 3.0, 3.0.2 and 3.1.1 (whose key
 * also depends on the preauth integrity hash: SHA-512 over the negotiation and login messages).
 */
import { createCipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto'

const SIGNATURE_AT = 48
const SIGNATURE_LENGTH = 16
export const FLAG_SIGNED = 0x00000008

function aesEcb(key: Buffer, block: Buffer): Buffer {
  return createCipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(block)
}

function shiftLeft(block: Buffer): Buffer {
  const out = Buffer.alloc(16)
  for (let i = 0; i < 16; i++) out[i] = ((block[i]! << 1) | (i < 15 ? block[i + 1]! >> 7 : 0)) & 0xff
  if (block[0]! & 0x80) out[15]! ^= 0x87
  return out
}

/** AES-128-CMAC (RFC 4493). */
export function aesCmac(key: Buffer, message: Buffer): Buffer {
  const k1 = shiftLeft(aesEcb(key, Buffer.alloc(16)))
  const k2 = shiftLeft(k1)
  const blocks = Math.max(1, Math.ceil(message.length / 16))
  const complete = message.length > 0 && message.length % 16 === 0
  const padded = Buffer.alloc(blocks * 16)
  message.copy(padded)
  if (!complete) padded[message.length] = 0x80
  const subkey = complete ? k1 : k2
  for (let i = 0; i < 16; i++) padded[(blocks - 1) * 16 + i]! ^= subkey[i]!
  const chained = createCipheriv('aes-128-cbc', key, Buffer.alloc(16)).setAutoPadding(false).update(padded)
  return chained.subarray(chained.length - 16)
}

/** The SP800-108 counter-mode KDF with HMAC-SHA256, 128 bits out, as SMB 3 uses it. */
export function smb3Kdf(key: Buffer, label: string, context: string | Buffer): Buffer {
  const input = Buffer.concat([
    Buffer.from([0, 0, 0, 1]),
    Buffer.from(label, 'latin1'),
    Buffer.from([0]),
    typeof context === 'string' ? Buffer.from(context, 'latin1') : context,
    Buffer.from([0, 0, 0, 128]),
  ])
  return createHmac('sha256', key).update(input).digest().subarray(0, 16)
}

/** Signs and verifies the messages of one SMB2 session. */
export interface Signer {
  /** Sets the SIGNED flag and writes the signature into `message` (a whole SMB2 message). */
  sign(message: Buffer): void
  /** Whether the signature of `message` is right. */
  verify(message: Buffer): boolean
}

/**
 * The signer of a session with `sessionKey` on a connection of `dialect`; 3.1.1 derives its key
 * from the preauth integrity hash of the session's setup.
 */
export function signerFor(dialect: number, sessionKey: Buffer, preauthHash?: Buffer): Signer {
  const key = Buffer.alloc(16)
  sessionKey.copy(key, 0, 0, 16)
  let mac: (m: Buffer) => Buffer
  if (dialect >= 0x0300) {
    const signingKey =
      dialect >= 0x0311
        ? smb3Kdf(key, 'SMBSigningKey\0', preauthHash ?? Buffer.alloc(64))
        : smb3Kdf(key, 'SMB2AESCMAC\0', 'SmbSign\0')
    mac = (m) => aesCmac(signingKey, m)
  } else {
    mac = (m) => createHmac('sha256', key).update(m).digest().subarray(0, SIGNATURE_LENGTH)
  }
  const compute = (message: Buffer) => {
    const copy = Buffer.from(message)
    copy.fill(0, SIGNATURE_AT, SIGNATURE_AT + SIGNATURE_LENGTH)
    return mac(copy)
  }
  return {
    sign(message) {
      message.writeUInt32LE(message.readUInt32LE(16) | FLAG_SIGNED, 16)
      compute(message).copy(message, SIGNATURE_AT)
    },
    verify(message) {
      if (message.length < 64) return false
      return timingSafeEqual(
        compute(message),
        message.subarray(SIGNATURE_AT, SIGNATURE_AT + SIGNATURE_LENGTH),
      )
    },
  }
}

/** SMB 3.1.1 preauth integrity: the SHA-512 chain over the negotiation and login messages. */
export function preauthHash(previous: Buffer, message: Buffer): Buffer {
  return createHash('sha512').update(previous).update(message).digest()
}

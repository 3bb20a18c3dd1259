/**
 * Gives ssh2's ciphers their keys as KeyObjects instead of Buffers. Without its optional native
 * addon (which neither the single binary nor Node 24 worker threads can load), ssh2 creates a Node
 * cipher for every AES-GCM or ChaCha20 packet it sends or receives, and an HMAC for every packet
 * of the other ciphers, each from a Buffer key. Node 24 checks whether such a key is a KeyObject or
 * a CryptoKey by throwing and catching two errors: ~10 µs more per packet than the cipher itself
 * costs (a cipher of a 64-byte packet: 14 µs with a Buffer key, 5 µs with a KeyObject). A check
 * that logs in and runs a command sends and receives some 15 such packets.
 *
 * ssh2's key exchange takes `createCipher` and `createDecipher` from its crypto module when it is
 * first loaded, so this module must run before ssh2's: import ssh2 through `./ssh2-library.ts`.
 * A cipher whose key fields are not Buffers (ssh2's native addon, another version) is left as it is.
 */
import { createSecretKey } from 'node:crypto'
import ssh2Crypto from 'ssh2/lib/protocol/crypto.js'

/** The fields where ssh2's JavaScript ciphers and deciphers keep a key they use per packet. */
const PER_PACKET_KEYS = [
  '_encKey',
  '_encKeyMain',
  '_encKeyPktLen',
  '_macKey',
  '_decipherKey',
  '_decKeyMain',
  '_decKeyPktLen',
] as const

function withKeyObjects<T extends object>(create: (config: unknown) => T): (config: unknown) => T {
  return (config) => {
    const cipher = create(config)
    const fields = cipher as Record<string, unknown>
    for (const field of PER_PACKET_KEYS) {
      const key = fields[field]
      if (Buffer.isBuffer(key)) fields[field] = createSecretKey(key)
    }
    return cipher
  }
}

ssh2Crypto.createCipher = withKeyObjects(ssh2Crypto.createCipher)
ssh2Crypto.createDecipher = withKeyObjects(ssh2Crypto.createDecipher)

/**
 * MD4 (RFC 1320), for the NT hash of a password: OpenSSL 3 only offers it through its legacy
 * provider, which Node does not load.
 */

const rotl = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0

const ROUND2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
const ROUND3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]

export function md4(data: Uint8Array): Buffer {
  const length = Math.ceil((data.length + 9) / 64) * 64
  const message = Buffer.alloc(length)
  message.set(data)
  message[data.length] = 0x80
  message.writeUInt32LE((data.length * 8) >>> 0, length - 8)
  message.writeUInt32LE(Math.floor(data.length / 0x20000000), length - 4)
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]
  const x = new Array<number>(16)
  for (let block = 0; block < length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = message.readUInt32LE(block + i * 4)
    let [a, b, c, d] = h as [number, number, number, number]
    const step = (f: number, k: number, s: number, add: number) => {
      const t = rotl((a + f + x[k]! + add) >>> 0, s)
      ;[a, b, c, d] = [d, t, b, c]
    }
    for (let i = 0; i < 16; i++) step((b & c) | (~b & d), i, [3, 7, 11, 19][i % 4]!, 0)
    for (let i = 0; i < 16; i++) {
      step((b & c) | (b & d) | (c & d), ROUND2_ORDER[i]!, [3, 5, 9, 13][i % 4]!, 0x5a827999)
    }
    for (let i = 0; i < 16; i++) step(b ^ c ^ d, ROUND3_ORDER[i]!, [3, 9, 11, 15][i % 4]!, 0x6ed9eba1)
    h[0] = (h[0]! + a) >>> 0
    h[1] = (h[1]! + b) >>> 0
    h[2] = (h[2]! + c) >>> 0
    h[3] = (h[3]! + d) >>> 0
  }
  const out = Buffer.alloc(16)
  h.forEach((word, i) => out.writeUInt32LE(word, i * 4))
  return out
}

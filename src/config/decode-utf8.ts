/** Turns the bytes of a config file into text, refusing anything that is not UTF-8. */

/** Where a file stops being UTF-8, and why. */
export interface DecodeFailure {
  line: number
  col: number
  message: string
}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * The text of `bytes` (a UTF-8 byte order mark is dropped), or where and why it is not UTF-8:
 * the line and column of the first byte that is not, so the organiser can find it.
 *
 * @example
 * decodeUtf8(new TextEncoder().encode('name: x')) // { text: 'name: x' }
 * decodeUtf8(Uint8Array.of(0x61, 0xff)) // { failure: { line: 1, col: 2, message: 'not UTF-8: ...' } }
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { failure: DecodeFailure } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      failure: {
        line: 1,
        col: 1,
        message: 'not UTF-8: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8',
      },
    }
  }
  try {
    return { text: fatal.decode(bytes) }
  } catch {
    const offset = firstInvalidByte(bytes)
    const before = new TextDecoder().decode(bytes.subarray(0, offset))
    const lineStart = before.lastIndexOf('\n') + 1
    const byte = (bytes[offset] ?? 0).toString(16).padStart(2, '0')
    return {
      failure: {
        line: before.split('\n').length,
        col: [...before.slice(lineStart)].length + 1,
        message: `not UTF-8: byte 0x${byte} at offset ${offset} is not valid UTF-8; save the file as UTF-8`,
      },
    }
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] ?? 0
    if (b < 0x80) {
      i++
      continue
    }
    // Allowed range of the second byte, and the number of continuation bytes, by lead byte.
    let length: number
    let low = 0x80
    let high = 0xbf
    if (b >= 0xc2 && b <= 0xdf) length = 1
    else if (b >= 0xe0 && b <= 0xef) {
      length = 2
      if (b === 0xe0) low = 0xa0
      if (b === 0xed) high = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 3
      if (b === 0xf0) low = 0x90
      if (b === 0xf4) high = 0x8f
    } else return i
    for (let k = 1; k <= length; k++) {
      const c = bytes[i + k]
      if (c === undefined) return i
      const [lo, hi] = k === 1 ? [low, high] : [0x80, 0xbf]
      if (c < lo || c > hi) return i
    }
    i += length + 1
  }
  return bytes.length
}

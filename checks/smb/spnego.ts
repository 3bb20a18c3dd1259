/**
 * SPNEGO (RFC 4178) around NTLMSSP, as SMB2 SESSION_SETUP carries it: the NegTokenInit offering
 * NTLMSSP with the NTLM NEGOTIATE message, NegTokenResp both ways, and just enough DER to build
 * and read them. Whatever the server sends is checked against its own lengths.
 */

/** 1.3.6.1.5.5.2 */
const SPNEGO_OID = Buffer.from('2b0601050502', 'hex')
/** 1.3.6.1.4.1.311.2.2.10 */
export const NTLMSSP_OID = Buffer.from('2b06010401823702020a', 'hex')

/** The negotiation states of a NegTokenResp. */
export const NEG_STATE = { ACCEPT_COMPLETED: 0, ACCEPT_INCOMPLETE: 1, REJECT: 2, REQUEST_MIC: 3 } as const

/** A malformed SPNEGO token. */
export class SpnegoError extends Error {}

/** A DER TLV of `tag` around `content`. */
export function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content)
  const n = body.length
  let length: Buffer
  if (n < 0x80) length = Buffer.from([n])
  else if (n < 0x100) length = Buffer.from([0x81, n])
  else if (n < 0x10000) length = Buffer.from([0x82, n >> 8, n & 0xff])
  else length = Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff])
  return Buffer.concat([Buffer.from([tag]), length, body])
}

interface Tlv {
  tag: number
  value: Buffer
}

/** The TLVs one after the other in `data`. */
export function readTlvs(data: Buffer): Tlv[] {
  const out: Tlv[] = []
  let at = 0
  while (at < data.length) {
    if (at + 2 > data.length) throw new SpnegoError('truncated DER element')
    const tag = data[at]!
    let length = data[at + 1]!
    at += 2
    if (length & 0x80) {
      const bytes = length & 0x7f
      if (bytes === 0 || bytes > 3 || at + bytes > data.length) throw new SpnegoError('bad DER length')
      length = 0
      for (let i = 0; i < bytes; i++) length = length * 256 + data[at + i]!
      at += bytes
    }
    if (at + length > data.length) throw new SpnegoError('DER element longer than its container')
    out.push({ tag, value: data.subarray(at, at + length) })
    at += length
  }
  return out
}

/** The only TLV of `data`, which must have `tag`. */
function single(data: Buffer, tag: number, what: string): Buffer {
  const [first] = readTlvs(data)
  if (first?.tag !== tag) throw new SpnegoError(`${what} expected`)
  return first.value
}

/** The GSS-API InitialContextToken with a NegTokenInit offering NTLMSSP, carrying `mechToken`. */
export function negTokenInit(mechToken: Buffer): Buffer {
  const mechTypes = der(0xa0, der(0x30, der(0x06, NTLMSSP_OID)))
  const token = der(0xa2, der(0x04, mechToken))
  return der(0x60, der(0x06, SPNEGO_OID), der(0xa0, der(0x30, mechTypes, token)))
}

export interface NegTokenResp {
  negState: number | undefined
  supportedMech: Buffer | undefined
  responseToken: Buffer | undefined
  mechListMic: Buffer | undefined
}

/** A NegTokenResp carrying `responseToken` (and a negotiation state when given). */
export function negTokenResp(fields: Partial<NegTokenResp>): Buffer {
  const parts: Buffer[] = []
  if (fields.negState !== undefined) parts.push(der(0xa0, der(0x0a, Buffer.from([fields.negState]))))
  if (fields.supportedMech) parts.push(der(0xa1, der(0x06, fields.supportedMech)))
  if (fields.responseToken) parts.push(der(0xa2, der(0x04, fields.responseToken)))
  if (fields.mechListMic) parts.push(der(0xa3, der(0x04, fields.mechListMic)))
  return der(0xa1, der(0x30, ...parts))
}

/** Reads a NegTokenResp. */
export function parseNegTokenResp(token: Buffer): NegTokenResp {
  const fields = readTlvs(single(single(token, 0xa1, 'SPNEGO NegTokenResp'), 0x30, 'SPNEGO sequence'))
  const resp: NegTokenResp = {
    negState: undefined,
    supportedMech: undefined,
    responseToken: undefined,
    mechListMic: undefined,
  }
  for (const { tag, value } of fields) {
    if (tag === 0xa0) resp.negState = single(value, 0x0a, 'SPNEGO negState')[0]
    else if (tag === 0xa1) resp.supportedMech = single(value, 0x06, 'SPNEGO supportedMech')
    else if (tag === 0xa2) resp.responseToken = single(value, 0x04, 'SPNEGO responseToken')
    else if (tag === 0xa3) resp.mechListMic = single(value, 0x04, 'SPNEGO mechListMIC')
  }
  return resp
}

/** The mechToken of a client's NegTokenInit (for the demo server). */
export function parseNegTokenInit(token: Buffer): { mechTypes: Buffer[]; mechToken: Buffer | undefined } {
  const [oid, inner] = readTlvs(single(token, 0x60, 'GSS-API InitialContextToken'))
  if (oid?.tag !== 0x06 || !oid.value.equals(SPNEGO_OID) || inner?.tag !== 0xa0) {
    throw new SpnegoError('not an SPNEGO NegTokenInit')
  }
  const result: { mechTypes: Buffer[]; mechToken: Buffer | undefined } = {
    mechTypes: [],
    mechToken: undefined,
  }
  for (const { tag, value } of readTlvs(single(inner.value, 0x30, 'SPNEGO sequence'))) {
    if (tag === 0xa0) {
      result.mechTypes = readTlvs(single(value, 0x30, 'SPNEGO mechTypes')).map((t) => t.value)
    } else if (tag === 0xa2) {
      result.mechToken = single(value, 0x04, 'SPNEGO mechToken')
    }
  }
  return result
}

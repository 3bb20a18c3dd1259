/**
 * SNMPv3 DES privacy on OpenSSL 3: net-snmp encrypts with OpenSSL's `des-cbc`, which OpenSSL 3
 * no longer provides (`digital envelope routines::unsupported`), so a user configured with DES
 * (old switches, `createUser ... DES` agents) could never be checked. Single DES is 3DES-EDE with
 * its three keys equal, which OpenSSL 3 still has: the DES entry of net-snmp's algorithm table is
 * replaced by the same RFC 3414 (8.1.1) scheme computed that way.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { Engine, PrivacyAlgorithm } from 'net-snmp'
import type { NetSnmp } from '../client-libraries.ts'

const BLOCK = 8
const patched = new WeakSet<PrivacyAlgorithm>()

/** Makes DES privacy work for every net-snmp session of this thread (idempotent). */
export function installDesPrivacy(snmp: NetSnmp): void {
  const des = snmp.Encryption.algorithms[snmp.PrivProtocols.des!]
  if (des === undefined || patched.has(des)) return
  Object.assign(des, desPrivacy(snmp))
  patched.add(des)
}

/** The DES entry of net-snmp's algorithm table, computed as 3DES with equal keys. */
export function desPrivacy(snmp: NetSnmp): {
  encryptPdu: PrivacyAlgorithm['encryptPdu']
  decryptPdu: PrivacyAlgorithm['decryptPdu']
} {
  /** The DES key and pre-IV: the privacy password localized to the engine, split in two halves. */
  const keys = (privPassword: string, authProtocol: number, engine: Engine) => {
    const localized = snmp.Authentication.passwordToKey(authProtocol, privPassword, engine.engineID)
    return { key: localized.subarray(0, BLOCK), preIv: localized.subarray(BLOCK, 2 * BLOCK) }
  }
  return {
    encryptPdu: (scopedPdu, _privProtocol, privPassword, authProtocol, engine) => {
      const { key, preIv } = keys(privPassword, authProtocol, engine)
      // The salt: our engine boots (1: no persistent state) and a random integer.
      const salt = Buffer.concat([Buffer.from([0, 0, 0, 1]), randomBytes(4)])
      const padded = Buffer.alloc(Math.ceil(scopedPdu.length / BLOCK) * BLOCK)
      scopedPdu.copy(padded)
      return { encryptedPdu: desCbc('encrypt', key, xor(preIv, salt), padded), msgPrivacyParameters: salt }
    },
    decryptPdu: (encryptedPdu, _privProtocol, privParameters, privPassword, authProtocol, engine) => {
      if (encryptedPdu.length % BLOCK !== 0 || privParameters.length !== BLOCK) {
        throw new Error('the DES-encrypted PDU is not a whole number of 8-byte blocks with an 8-byte salt')
      }
      const { key, preIv } = keys(privPassword, authProtocol, engine)
      return desCbc('decrypt', key, xor(preIv, privParameters), encryptedPdu)
    },
  }
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((byte, i) => byte ^ (b[i] ?? 0)))
}

/** DES-CBC as 3DES-EDE-CBC with K1 = K2 = K3, no padding (the caller pads to whole blocks). */
export function desCbc(direction: 'encrypt' | 'decrypt', key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const tripled = Buffer.concat([key, key, key])
  const cipher =
    direction === 'encrypt'
      ? createCipheriv('des-ede3-cbc', tripled, iv)
      : createDecipheriv('des-ede3-cbc', tripled, iv)
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(data), cipher.final()])
}

import assert from 'node:assert/strict'
import { KeyObject } from 'node:crypto'
import { test } from 'node:test'
import type { Algorithms, Client } from 'ssh2'
import ssh2 from '../../checks/ssh2-library.ts'
import { startSshServer } from '../../src/demo/ssh-server.ts'

/** ssh2's internals this test looks at: the cipher pair of a logged-in connection. */
interface Ciphers {
  _protocol: { _cipher: object; _decipher: object }
}

/** Logs in with one cipher (and MAC), runs `id -un`, and gives the output and the cipher pair. */
async function loginWith(port: number, algorithms: Algorithms): Promise<{ out: string; ciphers: object[] }> {
  const client: Client = new ssh2.Client()
  try {
    return await new Promise((resolve, reject) => {
      client.once('error', reject)
      client.once('ready', () => {
        const { _cipher, _decipher } = (client as unknown as Ciphers)._protocol
        client.exec('id -un', (err, stream) => {
          if (err) return reject(err)
          let out = ''
          stream.on('data', (d: Buffer) => (out += d.toString()))
          stream.once('close', () => resolve({ out, ciphers: [_cipher, _decipher] }))
        })
      })
      client.connect({ host: '127.0.0.1', port, username: 'alice', password: 'pw', algorithms })
    })
  } finally {
    client.end()
  }
}

const CIPHERS: [string, Algorithms][] = [
  ['aes128-gcm', { cipher: ['aes128-gcm@openssh.com'] }],
  ['aes256-gcm', { cipher: ['aes256-gcm@openssh.com'] }],
  ['chacha20-poly1305', { cipher: ['chacha20-poly1305@openssh.com'] }],
  ['aes128-ctr with hmac-sha2-256', { cipher: ['aes128-ctr'], hmac: ['hmac-sha2-256'] }],
  ['aes256-ctr with hmac-sha2-512-etm', { cipher: ['aes256-ctr'], hmac: ['hmac-sha2-512-etm@openssh.com'] }],
]

for (const [name, algorithms] of CIPHERS) {
  test(`ssh2 library: ${name} keeps its per-packet keys as KeyObjects, and a command runs over it`, async (t) => {
    const server = await startSshServer({ users: { alice: 'pw' } })
    t.after(() => server.close())
    const { out, ciphers } = await loginWith(server.port, algorithms)
    assert.equal(out.trim(), 'alice')
    for (const cipher of ciphers) {
      const keys = Object.entries(cipher).filter(([field]) => /key/i.test(field))
      assert.ok(keys.length > 0, `${cipher.constructor.name} has no key field`)
      for (const [field, key] of keys)
        assert.ok(key instanceof KeyObject, `${cipher.constructor.name}.${field} is not a KeyObject`)
    }
  })
}

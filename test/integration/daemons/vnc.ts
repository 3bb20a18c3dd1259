/**
 * TigerVNC: `Xtigervnc` (an X server with a built-in VNC server) on BOX:5900 offering VNC
 * authentication only (on a box with `vncDefaultSecurity`, TigerVNC's default: VeNCrypt's TLSVnc
 * first, then VncAuth), its password file made as `vncpasswd` does (the password DES-encrypted
 * with VNC's fixed key). Displays :71, :72, :73; only abstract X sockets (`-nolisten unix`).
 *
 * Outside the lab: the X server writes its lock file /tmp/.X7N-lock, removed when it stops (by the
 * lab if the server had to be killed).
 */
import { createCipheriv } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import type { Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const XVNC = '/usr/bin/Xtigervnc'

/** VNC's fixed obfuscation key {23,82,107,6,35,78,88,7}, bit-reversed per byte as DES expects it. */
const VNC_KEY = Buffer.from('e84ad660c4721ae0', 'hex')

/** The 8 bytes of a vncpasswd file: the password (cut or padded to 8) DES-encrypted with VNC's key. */
export function vncPasswordFile(password: string): Buffer {
  const block = Buffer.alloc(8)
  block.write(password.slice(0, 8), 'latin1')
  // Triple DES with one key three times is single DES (OpenSSL 3 only offers DES in its legacy provider).
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([VNC_KEY, VNC_KEY, VNC_KEY]), null)
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(block), cipher.final()])
}

export function display(box: Box): number {
  return 70 + box.num
}

export const vnc: DaemonModule = {
  name: 'vnc',
  binaries: [XVNC],
  endpoints: () => [{ protocol: 'tcp', port: 5900 }],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'vnc'), async (box) => {
      const lock = `/tmp/.X${display(box)}-lock`
      if (existsSync(lock)) throw new Error(`X display :${display(box)} is taken (${lock} exists)`)
      const rel = `t${box.num}/vnc`
      const passwd = lab.write(`${rel}/passwd`, vncPasswordFile(box.server.vnc.password), { mode: 0o600 })
      const daemon = lab.start(`vnc-${box.num}`, XVNC, [
        `:${display(box)}`,
        '-rfbport',
        '5900',
        '-interface',
        box.address,
        ...(box.settings.vncDefaultSecurity ? [] : ['-SecurityTypes', 'VncAuth']),
        '-rfbauth',
        passwd,
        '-nolisten',
        'tcp',
        '-nolisten',
        'unix',
        '-geometry',
        '800x600',
        '-depth',
        '16',
        '-desktop',
        `team${box.num}`,
      ])
      // A killed X server leaves its lock behind: remove it if it is still this server's.
      lab.onClose(`rm ${lock}`, () => {
        if (existsSync(lock) && readFileSync(lock, 'utf8').trim() === String(daemon.pid)) rmSync(lock)
      })
      await lab.waitListening(daemon, 'tcp', box.address, 5900)
    })
  },
}

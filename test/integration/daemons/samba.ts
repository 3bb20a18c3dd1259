/**
 * Samba: `smbd` on BOX:445 (SMB2/3, NTLM logins), a standalone server with its own tdbsam
 * database (the account's samba password, set with `smbpasswd -a`) and a read-only share `public`
 * holding `welcome.txt` (unless the box deleted it), open to the box account only.
 *
 * smbd binds only to addresses of an interface: the box address is on `lo` (see base.ts). It runs
 * in a session of its own (the lab starts every daemon with setsid), as it signals its process group.
 */
import type { Lab } from '../support/lab.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const SMBD = '/usr/sbin/smbd'
const SMBPASSWD = '/usr/bin/smbpasswd'

export const samba: DaemonModule = {
  name: 'samba',
  binaries: [SMBD, SMBPASSWD],
  endpoints: () => [{ protocol: 'tcp', port: 445 }],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'samba'), async (box) => {
      const rel = `t${box.num}/samba`
      const dir = lab.mkdir(rel)
      for (const sub of ['run', 'lock', 'state', 'cache', 'ncalrpc', 'binddns']) lab.mkdir(`${rel}/${sub}`)
      lab.mkdir(`${rel}/private`, { mode: 0o700 })
      lab.mkdir(`${rel}/share`)
      for (const [name, content] of Object.entries(box.server.shareFiles))
        lab.write(`${rel}/share/${name}`, content)
      const user = box.server.share
      const config = lab.write(
        `${rel}/smb.conf`,
        `[global]
  workgroup = TEAM${box.num}
  netbios name = FILES${box.num}
  server role = standalone server
  interfaces = ${box.address}/32
  bind interfaces only = yes
  smb ports = 445
  disable netbios = yes
  pid directory = ${dir}/run
  lock directory = ${dir}/lock
  state directory = ${dir}/state
  cache directory = ${dir}/cache
  private dir = ${dir}/private
  ncalrpc dir = ${dir}/ncalrpc
  binddns dir = ${dir}/binddns
  passdb backend = tdbsam:${dir}/private/passdb.tdb
  usershare path =
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  map to guest = never
  server signing = ${box.settings.smbSigning ? 'mandatory' : 'default'}
  logging = file
  log file = ${dir}/log.smbd
  log level = 1

[public]
  path = ${dir}/share
  read only = yes
  valid users = ${user.username}
`,
      )
      await lab.exec(SMBPASSWD, ['-c', config, '-a', '-s', user.username], {
        input: `${user.password}\n${user.password}\n`,
      })
      const daemon = lab.start(`samba-${box.num}`, SMBD, [
        '--foreground',
        '--no-process-group',
        // Else it opens /var/log/samba/log.smbd before it reads smb.conf.
        `--log-basename=${dir}`,
        '-s',
        config,
      ])
      await lab.waitListening(daemon, 'tcp', box.address, 445)
    })
  },
}

/**
 * OpenSSH: `sshd -D` on BOX:22 with its own host key, password logins for the box account only,
 * and the internal SFTP server (ssh, sftp, tcp banner and remote-admin checks).
 *
 * Outside the lab: sshd needs its privilege separation folder /run/sshd (compiled in); it is
 * created when missing, as the package's tmpfiles.d entry does at boot, and left in place.
 */
import { mkdirSync } from 'node:fs'
import type { Lab } from '../support/lab.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const SSHD = '/usr/sbin/sshd'

export const sshd: DaemonModule = {
  name: 'sshd',
  binaries: [SSHD, '/usr/bin/ssh-keygen'],
  endpoints: () => [{ protocol: 'tcp', port: 22 }],
  async start(lab: Lab, boxes) {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
    await eachBox(runningOn(boxes, 'sshd'), async (box) => {
      const dir = lab.mkdir(`t${box.num}/sshd`)
      await lab.exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', `${dir}/host_ed25519_key`])
      const config = lab.write(
        `t${box.num}/sshd/sshd_config`,
        [
          `ListenAddress ${box.address}:22`,
          `HostKey ${dir}/host_ed25519_key`,
          `PidFile ${dir}/sshd.pid`,
          'PasswordAuthentication yes',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'PermitRootLogin no',
          `AllowUsers ${box.server.shell.username}`,
          'AuthorizedKeysFile none',
          'Subsystem sftp internal-sftp',
          'LogLevel INFO',
          '',
        ].join('\n'),
      )
      const daemon = lab.start(`sshd-${box.num}`, SSHD, ['-D', '-e', '-f', config])
      await lab.waitListening(daemon, 'tcp', box.address, 22)
    })
  },
}

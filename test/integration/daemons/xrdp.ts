/**
 * xrdp on BOX:3389 (`xrdp --nodaemon` with its own xrdp.ini): RDP security negotiated, TLS with the
 * box's certificate (xrdp offers no CredSSP/NLA). No session manager runs: the checks stop after
 * the TLS handshake, before any desktop is asked for.
 *
 * Outside the lab: xrdp reads its keymaps and rsakeys.ini from /etc/xrdp (read only); in the
 * foreground it writes no PID file.
 */
import type { Lab } from '../support/lab.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const XRDP = '/usr/sbin/xrdp'

export const xrdp: DaemonModule = {
  name: 'xrdp',
  binaries: [XRDP],
  endpoints: () => [{ protocol: 'tcp', port: 3389 }],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'xrdp'), async (box) => {
      const rel = `t${box.num}/xrdp`
      const dir = lab.mkdir(rel)
      const config = lab.write(
        `${rel}/xrdp.ini`,
        `[Globals]
ini_version=1
fork=true
port=tcp://${box.address}:3389
tcp_nodelay=true
tcp_keepalive=true
security_layer=negotiate
crypt_level=high
certificate=${box.tls.cert}
key_file=${box.tls.key}
ssl_protocols=TLSv1.2, TLSv1.3
autorun=
allow_channels=true
max_bpp=32

[Logging]
LogFile=${dir}/xrdp.log
LogLevel=INFO
EnableSyslog=false
EnableConsole=true
ConsoleLevel=INFO

[Xorg]
name=Xorg
lib=libxup.so
username=ask
password=ask
ip=127.0.0.1
port=-1
code=20
`,
      )
      const daemon = lab.start(`xrdp-${box.num}`, XRDP, ['--nodaemon', '--config', config])
      await lab.waitListening(daemon, 'tcp', box.address, 3389)
    })
  },
}

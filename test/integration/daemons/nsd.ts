/**
 * NSD, authoritative for `teamN.test` on BOX:53 (UDP and TCP): SOA, NS, an MX for
 * `mail.teamN.test`, and `www` whose A record is the box's (team 2's was changed).
 */
import type { Lab } from '../support/lab.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const NSD = '/usr/sbin/nsd'

export const nsd: DaemonModule = {
  name: 'nsd',
  binaries: [NSD],
  endpoints: () => [
    { protocol: 'udp', port: 53 },
    { protocol: 'tcp', port: 53 },
  ],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'nsd'), async (box) => {
      const rel = `t${box.num}/nsd`
      const dir = lab.mkdir(rel)
      lab.write(
        `${rel}/${box.domain}.zone`,
        `$ORIGIN ${box.domain}.
$TTL 300
@     IN SOA  ns1.${box.domain}. hostmaster.${box.domain}. 2026010101 3600 900 604800 300
@     IN NS   ns1.${box.domain}.
@     IN MX   10 mail.${box.domain}.
ns1   IN A    ${box.address}
mail  IN A    10.0.${box.num}.25
www   IN A    ${box.server.www}
`,
      )
      const config = lab.write(
        `${rel}/nsd.conf`,
        `server:
  ip-address: ${box.address}
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  pidfile: "${dir}/nsd.pid"
  xfrdfile: "${dir}/xfrd.state"
  xfrdir: "${dir}"
  zonelistfile: "${dir}/zone.list"
  server-count: 1
  hide-version: yes
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: ${box.domain}
  zonefile: ${box.domain}.zone
`,
      )
      const daemon = lab.start(`nsd-${box.num}`, NSD, ['-d', '-c', config])
      await lab.waitListening(daemon, 'udp', box.address, 53)
      await lab.waitListening(daemon, 'tcp', box.address, 53)
    })
  },
}

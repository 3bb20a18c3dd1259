/**
 * Net-SNMP snmpd on udp BOX:161: SNMPv2c read-only community and an SNMPv3 user `scorer`
 * (authPriv: SHA and AES, one password for both, as the check does by default); sysLocation.0 is
 * "Server room N". Run with `-C` so no system configuration is read, persistent state in the lab.
 */
import type { Lab } from '../support/lab.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const SNMPD = '/usr/sbin/snmpd'

export const snmpd: DaemonModule = {
  name: 'snmpd',
  binaries: [SNMPD],
  endpoints: () => [{ protocol: 'udp', port: 161 }],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'snmpd'), async (box) => {
      const rel = `t${box.num}/snmpd`
      const dir = lab.mkdir(rel)
      lab.mkdir(`${rel}/persist`, { mode: 0o700 })
      const user = box.server.snmp
      const config = lab.write(
        `${rel}/snmpd.conf`,
        `agentAddress udp:${box.address}:161
rocommunity ${box.server.community} default
createUser ${user.username} SHA "${user.password}" AES "${user.password}"
rouser ${user.username} priv
sysLocation ${box.server.location}
sysContact admin@${box.domain}
sysName files.${box.domain}
`,
        { mode: 0o600 },
      )
      const daemon = lab.start(
        `snmpd-${box.num}`,
        SNMPD,
        ['-f', '-Lo', '-C', '-c', config, '-p', `${dir}/snmpd.pid`],
        { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', SNMP_PERSISTENT_DIR: `${dir}/persist`, MIBS: '' } },
      )
      await lab.waitListening(daemon, 'udp', box.address, 161)
    })
  },
}

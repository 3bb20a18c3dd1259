/**
 * OpenLDAP slapd on ldap://BOX:389 and ldaps://BOX:636 (the box's certificate), from a
 * slapd.conf with an mdb database for `dc=teamN,dc=test` loaded with slapadd: the organisation,
 * `ou=people` and `uid=alice` (inetOrgPerson, `cn: Alice Blue`, an {SSHA} password). Users bind as
 * themselves; anonymous users may only authenticate.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const SLAPD = '/usr/sbin/slapd'
const SLAPADD = '/usr/sbin/slapadd'

/** An RFC 2307 `{SSHA}` password, as slappasswd makes them. */
function ssha(password: string): string {
  const salt = randomBytes(8)
  const digest = createHash('sha1').update(password).update(salt).digest()
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`
}

export function baseDn(box: Box): string {
  return `dc=team${box.num},dc=test`
}

export const slapd: DaemonModule = {
  name: 'slapd',
  binaries: [SLAPD, SLAPADD],
  endpoints: () => [
    { protocol: 'tcp', port: 389 },
    { protocol: 'tcp', port: 636 },
  ],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'slapd'), async (box) => {
      const rel = `t${box.num}/slapd`
      const dir = lab.mkdir(rel)
      lab.mkdir(`${rel}/data`, { mode: 0o700 })
      const base = baseDn(box)
      const user = box.server.dir
      const config = lab.write(
        `${rel}/slapd.conf`,
        `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile ${box.tls.cert}
TLSCertificateKeyFile ${box.tls.key}
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by users read
  by * none
database mdb
suffix "${base}"
rootdn "cn=admin,${base}"
rootpw ${ssha(`Admin-${box.num}-pass`)}
directory ${dir}/data
maxsize 16777216
`,
      )
      const ldif = lab.write(
        `${rel}/data.ldif`,
        `dn: ${base}
objectClass: dcObject
objectClass: organization
dc: team${box.num}
o: Team ${box.num}

dn: ou=people,${base}
objectClass: organizationalUnit
ou: people

dn: uid=${user.username},ou=people,${base}
objectClass: inetOrgPerson
uid: ${user.username}
cn: Alice Blue
sn: Blue
mail: ${user.username}@${box.domain}
userPassword: ${ssha(user.password)}
`,
      )
      await lab.exec(SLAPADD, ['-q', '-f', config, '-l', ldif])
      const daemon = lab.start(`slapd-${box.num}`, SLAPD, [
        '-d',
        '0',
        '-f',
        config,
        '-h',
        `ldap://${box.address}/ ldaps://${box.address}/`,
      ])
      await lab.waitListening(daemon, 'tcp', box.address, 389)
      await lab.waitListening(daemon, 'tcp', box.address, 636)
    })
  },
}

/**
 * redis on BOX:6379 with ACLs: the default user disabled, `scorer` (read commands and
 * connection commands, password from the box) and an admin that sets the key `motd` once the
 * server listens (with redis-cli). A box that has redis `hung` gets it frozen with SIGSTOP after
 * that: the kernel keeps accepting connections, nothing answers.
 */
import type { Lab } from '../support/lab.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const REDIS = '/usr/bin/redis-server'
const REDIS_CLI = '/usr/bin/redis-cli'

export const redis: DaemonModule = {
  name: 'redis',
  binaries: [REDIS, REDIS_CLI, '/usr/bin/setpriv'],
  endpoints: () => [{ protocol: 'tcp', port: 6379 }],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'redis'), async (box) => {
      const rel = `t${box.num}/redis`
      const dir = lab.mkdir(rel, { owner: 'redis' })
      const admin = `Admin-${box.num}-pass`
      const user = box.server.cache
      const config = lab.write(
        `${rel}/redis.conf`,
        `bind ${box.address}
port 6379
daemonize no
supervised no
protected-mode yes
dir ${dir}
pidfile ${dir}/redis.pid
logfile ""
save ""
appendonly no
user default off
user admin on >${admin} ~* &* +@all
user ${user.username} on >${user.password} ~* +@read +@connection
`,
        { owner: 'redis', mode: 0o600 },
      )
      const daemon = lab.start(`redis-${box.num}`, 'setpriv', [
        '--reuid=redis',
        '--regid=redis',
        '--init-groups',
        REDIS,
        config,
      ])
      await lab.waitListening(daemon, 'tcp', box.address, 6379)
      await lab.exec(REDIS_CLI, [
        '-h',
        box.address,
        '-p',
        '6379',
        '--user',
        'admin',
        '--pass',
        admin,
        '--no-auth-warning',
        'SET',
        'motd',
        box.server.motd,
      ])
      if (box.hung.has('redis')) lab.freeze(daemon)
    })
  },
}

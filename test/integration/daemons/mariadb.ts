/**
 * MariaDB on BOX:3306: a data folder made by mariadb-install-db (run as the mysql account), then
 * `mariadbd` (which switches to the mysql account) with an init file that creates the `shop`
 * database, its `products` table and the scorer's account `scorer`@`%` (SELECT on shop.*).
 */
import type { Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const MARIADBD = '/usr/sbin/mariadbd'
const INSTALL_DB = '/usr/bin/mariadb-install-db'
/** Small InnoDB files: the suite makes three data folders. */
const SMALL = ['--innodb-log-file-size=8M', '--innodb-buffer-pool-size=32M']

/** SQL text in single quotes. */
export function sqlText(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

function initSql(box: Box): string {
  const { mysql: db, product } = box.server
  return `CREATE DATABASE shop;
CREATE TABLE shop.products (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL);
INSERT INTO shop.products VALUES (1, ${sqlText(product)}), (2, 'Red stapler');
CREATE USER ${sqlText(db.username)}@'%' IDENTIFIED BY ${sqlText(db.password)};
GRANT SELECT ON shop.* TO ${sqlText(db.username)}@'%';
`
}

export const mariadb: DaemonModule = {
  name: 'mariadb',
  binaries: [MARIADBD, INSTALL_DB, '/usr/bin/setpriv'],
  endpoints: () => [{ protocol: 'tcp', port: 3306 }],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'mariadb'), async (box) => {
      const rel = `t${box.num}/mariadb`
      const dir = lab.mkdir(rel, { owner: 'mysql' })
      // A temporary folder of its own: bootstraps running side by side in /tmp clash on names.
      const tmp = lab.mkdir(`${rel}/tmp`, { owner: 'mysql', mode: 0o700 })
      // As mysql: as root it also resets the owner and mode of the system's auth_pam_tool.
      await lab.exec('setpriv', [
        '--reuid=mysql',
        '--regid=mysql',
        '--init-groups',
        INSTALL_DB,
        '--no-defaults',
        `--datadir=${dir}/data`,
        '--auth-root-authentication-method=socket',
        '--skip-test-db',
        `--tmpdir=${tmp}`,
        ...SMALL,
      ])
      const init = lab.write(`${rel}/init.sql`, initSql(box))
      const daemon = lab.start(`mariadb-${box.num}`, MARIADBD, [
        '--no-defaults',
        `--datadir=${dir}/data`,
        '--user=mysql',
        `--bind-address=${box.address}`,
        '--port=3306',
        `--socket=${dir}/mysqld.sock`,
        `--pid-file=${dir}/mysqld.pid`,
        `--init-file=${init}`,
        '--skip-name-resolve',
        '--skip-log-bin',
        `--tmpdir=${tmp}`,
        ...SMALL,
      ])
      await lab.waitListening(daemon, 'tcp', box.address, 3306)
    })
  },
}

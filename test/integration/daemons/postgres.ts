/**
 * PostgreSQL on BOX:5432 (run as the postgres account with setpriv: it refuses root): a cluster
 * made by initdb, set up in single-user mode before it listens (role `scorer` with a SCRAM
 * password, or MD5 on a box with `pgMd5`, database `shop` owned by postgres with the `products`
 * table, SELECT granted), TCP logins with that password method from anywhere.
 */
import { existsSync, readdirSync } from 'node:fs'
import type { Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'
import { sqlText } from './mariadb.ts'

/** The newest installed server: /usr/lib/postgresql/VERSION/bin. */
function binDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0] ?? '15'
  return `${root}/${newest}/bin`
}

const BIN = binDir()
const AS_POSTGRES = ['--reuid=postgres', '--regid=postgres', '--init-groups']

/** Statements for single-user mode: one per line. */
function setupSql(box: Box): { postgres: string; shop: string } {
  const { pg: db, product } = box.server
  return {
    postgres: [
      `CREATE ROLE ${db.username} LOGIN PASSWORD ${sqlText(db.password)};`,
      'CREATE DATABASE shop;',
      '',
    ].join('\n'),
    shop: [
      'CREATE TABLE products (id INT PRIMARY KEY, name TEXT NOT NULL);',
      `INSERT INTO products VALUES (1, ${sqlText(product)}), (2, 'Red stapler');`,
      `GRANT SELECT ON products TO ${db.username};`,
      '',
    ].join('\n'),
  }
}

export const postgres: DaemonModule = {
  name: 'postgres',
  binaries: [`${BIN}/postgres`, `${BIN}/initdb`, '/usr/bin/setpriv'],
  endpoints: () => [{ protocol: 'tcp', port: 5432 }],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'postgres'), async (box) => {
      const rel = `t${box.num}/postgres`
      const dir = lab.mkdir(rel, { owner: 'postgres' })
      const data = `${dir}/data`
      await lab.exec('setpriv', [
        ...AS_POSTGRES,
        `${BIN}/initdb`,
        '--no-sync',
        '--auth-local=peer',
        '--auth-host=scram-sha-256',
        '--username=postgres',
        '--encoding=UTF8',
        '--locale=C',
        '-D',
        data,
      ])
      const method = box.settings.pgMd5 ? 'md5' : 'scram-sha-256'
      lab.write(`${rel}/data/pg_hba.conf`, `local all postgres peer\nhost all all 0.0.0.0/0 ${method}\n`, {
        owner: 'postgres',
        mode: 0o600,
      })
      const sql = setupSql(box)
      for (const [database, input] of Object.entries(sql)) {
        const single = ['--single', '-c', `password_encryption=${method}`, '-D', data, database]
        await lab.exec('setpriv', [...AS_POSTGRES, `${BIN}/postgres`, ...single], { input })
      }
      const daemon = lab.start(`postgres-${box.num}`, '/usr/bin/setpriv', [
        ...AS_POSTGRES,
        `${BIN}/postgres`,
        '-D',
        data,
        '-c',
        `listen_addresses=${box.address}`,
        '-c',
        'port=5432',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'shared_buffers=16MB',
      ])
      await lab.waitListening(daemon, 'tcp', box.address, 5432)
    })
  },
}

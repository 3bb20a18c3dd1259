/**
 * What every box needs before its daemons start: a folder, a self-signed certificate for
 * `teamN.test` (made with openssl), its address on `lo`, and the system account `blueN` (ssh,
 * sftp, ftp, samba, and the owner of the mailboxes) with `welcome.txt` in its home.
 */
import type { Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'

export async function prepareBox(lab: Lab, box: Box): Promise<void> {
  const dir = lab.mkdir(`t${box.num}`)
  // samba and postfix bind only to addresses of an interface.
  await lab.loopbackAddress(box.address)
  box.tls = { cert: `${dir}/tls.crt`, key: `${dir}/tls.key`, fingerprint: '' }
  await lab.exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    box.tls.key,
    '-out',
    box.tls.cert,
    '-subj',
    `/CN=${box.domain}`,
    '-addext',
    `subjectAltName=DNS:${box.domain},DNS:*.${box.domain},IP:${box.address}`,
  ])
  box.tls.fingerprint = (
    await lab.exec('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', box.tls.cert])
  ).trim()
  const home = `${dir}/home`
  const account = await lab.account(box.server.shell.username, home, box.server.shell.password)
  lab.mkdir(`t${box.num}/home`, { owner: account, mode: 0o750 })
  lab.write(`t${box.num}/home/welcome.txt`, box.server.file, { owner: account })
}

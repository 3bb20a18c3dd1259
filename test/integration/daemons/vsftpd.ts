/**
 * vsftpd, two instances per box as a team would run them: plain FTP on BOX:21 and implicit FTPS
 * on BOX:990 (the box's certificate, vsftpd's TLS defaults: TLS session reuse required on data
 * connections). Local users log in through PAM (the package's /etc/pam.d/vsftpd) and land in their
 * home, which holds `welcome.txt`; uploads are allowed.
 */
import type { Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const VSFTPD = '/usr/sbin/vsftpd'

function config(lab: Lab, box: Box, port: number, extra: string[]): string {
  const rel = `t${box.num}/vsftpd`
  return lab.write(
    `${rel}/vsftpd-${port}.conf`,
    [
      'listen=YES',
      'listen_ipv6=NO',
      `listen_address=${box.address}`,
      `listen_port=${port}`,
      'background=NO',
      'anonymous_enable=NO',
      'local_enable=YES',
      'write_enable=YES',
      'local_umask=022',
      'pam_service_name=vsftpd',
      `secure_chroot_dir=${lab.path(rel, 'empty')}`,
      'seccomp_sandbox=NO',
      'session_support=NO',
      'xferlog_enable=YES',
      `vsftpd_log_file=${lab.path(rel, `vsftpd-${port}.log`)}`,
      `ftpd_banner=Welcome to the ${box.domain} file server`,
      ...extra,
      '',
    ].join('\n'),
    { mode: 0o600 },
  )
}

export const vsftpd: DaemonModule = {
  name: 'vsftpd',
  binaries: [VSFTPD],
  endpoints: () => [
    { protocol: 'tcp', port: 21 },
    { protocol: 'tcp', port: 990 },
  ],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'vsftpd'), async (box) => {
      lab.mkdir(`t${box.num}/vsftpd/empty`)
      const ftp = lab.start(`vsftpd-${box.num}`, VSFTPD, [config(lab, box, 21, [])])
      const ftps = lab.start(`vsftpd-tls-${box.num}`, VSFTPD, [
        config(lab, box, 990, [
          'ssl_enable=YES',
          'implicit_ssl=YES',
          `rsa_cert_file=${box.tls.cert}`,
          `rsa_private_key_file=${box.tls.key}`,
          'force_local_logins_ssl=YES',
          'force_local_data_ssl=YES',
        ]),
      ])
      await lab.waitListening(ftp, 'tcp', box.address, 21)
      await lab.waitListening(ftps, 'tcp', box.address, 990)
    })
  },
}

/**
 * The mail box of a team: postfix and dovecot together, as a team deploys them.
 *
 * dovecot: IMAP on BOX:143, IMAPS on 993, POP3 on 110, POP3S on 995 (the box's certificate),
 * users from a passwd-file (SHA512-CRYPT, made with `openssl passwd -6`), mail stored as the box
 * account, `auth_failure_delay = 0`; it serves postfix the SASL socket.
 *
 * postfix: SMTP on BOX:25 (STARTTLS offered, AUTH only after it) and submissions on BOX:465
 * (implicit TLS), AUTH through dovecot SASL; mail for the mailbox goes into its Maildir (postfix's
`virtual` delivery agent, as the box account), where dovecot reads it.
 * Run as `master -d` from its own configuration folder (`postfix -c DIR check` makes the queue).
 *
 * A port listed in the box's `silent` ports (IMAP 143 on team 3) is left to the silent listener; a
 * port in its `plainTls` ports (POP3S 995 on team 2) is served without TLS.
 */
import { accountOf, type Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const DOVECOT = '/usr/sbin/dovecot'
const POSTFIX = '/usr/sbin/postfix'
const MASTER = '/usr/lib/postfix/sbin/master'

const DOVECOT_PORTS = { imap: 143, imaps: 993, pop3: 110, pop3s: 995 }

/** The services of postfix's master.cf (Debian's defaults, none chrooted). */
const MASTER_SERVICES = [
  'smtp      inet  n       -       n       -       -       smtpd',
  '465       inet  n       -       n       -       -       smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt',
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
  'rewrite   unix  -       -       n       -       -       trivial-rewrite',
  'bounce    unix  -       -       n       -       0       bounce',
  'defer     unix  -       -       n       -       0       bounce',
  'trace     unix  -       -       n       -       0       bounce',
  'verify    unix  -       -       n       -       1       verify',
  'flush     unix  n       -       n       1000?   0       flush',
  'proxymap  unix  -       -       n       -       -       proxymap',
  'proxywrite unix -       -       n       -       1       proxymap',
  'smtp      unix  -       -       n       -       -       smtp',
  'relay     unix  -       -       n       -       -       smtp',
  'showq     unix  n       -       n       -       -       showq',
  'error     unix  -       -       n       -       -       error',
  'retry     unix  -       -       n       -       -       error',
  'discard   unix  -       -       n       -       -       discard',
  'local     unix  -       n       n       -       -       local',
  'virtual   unix  -       n       n       -       -       virtual',
  'lmtp      unix  -       -       n       -       -       lmtp',
  'anvil     unix  -       -       n       -       1       anvil',
  'scache    unix  -       -       n       -       1       scache',
  'postlog   unix-dgram n  -       n       -       1       postlogd',
]

function listener(box: Box, name: keyof typeof DOVECOT_PORTS): string {
  const port = DOVECOT_PORTS[name]
  const silent = box.silent.includes(port)
  if (box.plainTls.includes(port)) {
    // dovecot speaks TLS on a listener named imaps or pop3s whatever its settings say: that one is
    // turned off and the port served by another.
    return `  inet_listener ${name} {\n    port = 0\n  }\n  inet_listener ${name}-plain {\n    port = ${port}\n  }`
  }
  const ssl = name.endsWith('s') ? '\n    ssl = yes' : ''
  return `  inet_listener ${name} {\n    port = ${silent ? 0 : port}${ssl}\n  }`
}

async function startDovecot(lab: Lab, box: Box, spool: string): Promise<void> {
  const rel = `t${box.num}/dovecot`
  const dir = lab.mkdir(rel)
  lab.mkdir(`${rel}/run`)
  const account = box.server.shell.username
  const login = box.server.mail
  const hash = (await lab.exec('openssl', ['passwd', '-6', login.password])).trim()
  lab.write(`${rel}/users`, `${login.username}:{SHA512-CRYPT}${hash}::::::\n`, {
    owner: 'dovecot',
    mode: 0o640,
  })
  const config = lab.write(
    `${rel}/dovecot.conf`,
    `
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = dovecot-team${box.num}
protocols = imap pop3
listen = ${box.address}
log_path = /dev/stderr
ssl = yes
ssl_cert = <${box.tls.cert}
ssl_key = <${box.tls.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = static
  args = uid=${account} gid=${account} home=${lab.path(`t${box.num}/mail`)}/%n
}
service imap-login {
${listener(box, 'imap')}
${listener(box, 'imaps')}
}
service pop3-login {
${listener(box, 'pop3')}
${listener(box, 'pop3s')}
}
service auth {
  unix_listener ${spool}/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
`,
  )
  lab.mkdir(`${rel}/state`)
  const daemon = lab.start(`dovecot-${box.num}`, DOVECOT, ['-F', '-c', config])
  for (const port of Object.values(DOVECOT_PORTS)) {
    if (!box.silent.includes(port)) await lab.waitListening(daemon, 'tcp', box.address, port)
  }
  await lab.waitUnixSocket(daemon, `${spool}/private/auth`)
}

async function startPostfix(lab: Lab, box: Box): Promise<void> {
  const account = accountOf(box.server.shell.username)
  const rel = `t${box.num}/postfix`
  const dir = lab.mkdir(rel)
  const spool = lab.mkdir(`${rel}/spool`)
  lab.mkdir(`t${box.num}/mail`, { owner: account })
  lab.mkdir(`${rel}/data`, { owner: 'postfix' })
  lab.write(
    `${rel}/etc/main.cf`,
    `
compatibility_level = 3.6
queue_directory = ${spool}
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = /dev/stdout
myhostname = mail.${box.domain}
mydomain = ${box.domain}
myorigin = $mydomain
mydestination =
inet_interfaces = ${box.address}
inet_protocols = ipv4
mynetworks = ${box.address}/32
alias_maps =
alias_database =
biff = no
smtpd_banner = $myhostname ESMTP Postfix
virtual_mailbox_domains = ${box.domain}
virtual_mailbox_base = ${lab.path(`t${box.num}/mail`)}
virtual_mailbox_maps = inline:{ ${box.server.mailboxes.map((user) => `${user}@${box.domain}=${user}/Maildir/`).join(', ')} }
virtual_uid_maps = static:${account.uid}
virtual_gid_maps = static:${account.gid}
smtpd_tls_cert_file = ${box.tls.cert}
smtpd_tls_key_file = ${box.tls.key}
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination
`,
  )
  lab.write(`${rel}/etc/master.cf`, `${MASTER_SERVICES.join('\n')}\n`)
  const etc = `${dir}/etc`
  await lab.exec(POSTFIX, ['-c', etc, 'check'])
  await startDovecot(lab, box, spool)
  const daemon = lab.start(`postfix-${box.num}`, MASTER, ['-c', etc, '-d'])
  await lab.waitListening(daemon, 'tcp', box.address, 25)
  await lab.waitListening(daemon, 'tcp', box.address, 465)
}

export const mail: DaemonModule = {
  name: 'mail',
  binaries: [DOVECOT, POSTFIX, MASTER],
  endpoints: (box) => [
    { protocol: 'tcp', port: 25 },
    { protocol: 'tcp', port: 465 },
    ...Object.values(DOVECOT_PORTS)
      .filter((port) => !box.silent.includes(port))
      .map((port) => ({ protocol: 'tcp' as const, port })),
  ],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'mail'), (box) => startPostfix(lab, box))
  },
}

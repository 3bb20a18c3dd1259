/**
 * The three team boxes of the integration suite and how each one is broken.
 *
 * Team N's box lives on 127.0.1.N and runs every daemon on its standard port. The scorer knows the
 * credentials and contents of `scorerView(N)` (they go into competition.yaml); a box holds its own
 * copy, which the breakages below change:
 * - team 1: everything healthy;
 * - team 2: passwords changed on the server (ssh/sftp account, basic auth, login form, LDAP,
 *   MariaDB, VNC, the SNMP community), content changed (the web page is defaced, the DNS record
 *   for www points elsewhere, a PostgreSQL row is altered, the file of the SMB share deleted),
 *   mistakes (postfix no longer knows alice's mailbox, POP3S served without TLS), daemons stopped
 *   (vsftpd, xrdp, redis);
 * - team 3: a port that accepts and never speaks (IMAP 143: a listener that never answers) and a
 *   hung daemon (redis, stopped with SIGSTOP after it started: the kernel still accepts), and a
 *   Windows-like layout for the multi-protocol checks (remote-admin on RDP, database on PostgreSQL);
 *   everything else healthy, with stricter or older settings (SMB signing required, PostgreSQL MD5
 *   passwords, VNC offering VeNCrypt before VncAuth).
 */

export interface Login {
  username: string
  password: string
}

/** What the scorer (and a healthy box) knows about team N. */
export interface TeamView {
  /** System account: ssh, sftp, ftp, ftps, remote-admin. */
  shell: Login
  /** The same account's samba password (smbpasswd keeps its own: changing one leaves the other). */
  share: Login
  /** nginx basic auth and the login form behind nginx. */
  web: Login
  /** Mailbox (dovecot passwd-file, SMTP AUTH through dovecot). */
  mail: Login
  /** LDAP entry `uid=USER,ou=people,dc=teamN,dc=test`. */
  dir: Login
  /** MariaDB account. */
  mysql: Login
  /** PostgreSQL account. */
  pg: Login
  /** redis ACL user. */
  cache: Login
  /** SNMPv3 user (authPriv, SHA/AES). */
  snmp: Login
  /** VNC password (8 characters at most: VNC authentication ignores the rest). */
  vnc: Login
  community: string
  /** Text of the home page. */
  page: string
  /** Content of `welcome.txt` in the account's home and in the SMB share. */
  file: string
  /** Files of the SMB share `public`. */
  shareFiles: Record<string, string>
  /** Mailboxes postfix delivers to (`USER@teamN.test`). */
  mailboxes: string[]
  /** A record of `www.teamN.test`. */
  www: string
  /** `name` of product 1 in the `shop` database (MariaDB and PostgreSQL). */
  product: string
  /** A value of the redis key `motd`. */
  motd: string
  /** sysLocation.0 */
  location: string
}

export function scorerView(num: number): TeamView {
  return {
    shell: { username: `blue${num}`, password: `Shell-${num}-pass` },
    share: { username: `blue${num}`, password: `Share-${num}-pass` },
    web: { username: 'webadmin', password: `Web-${num}-pass` },
    mail: { username: 'alice', password: `Mail-${num}-pass` },
    dir: { username: 'alice', password: `Ldap-${num}-pass` },
    mysql: { username: 'scorer', password: `Mysql-${num}-pass` },
    pg: { username: 'scorer', password: `Pg-${num}-pass` },
    cache: { username: 'scorer', password: `Redis-${num}-pass` },
    snmp: { username: 'scorer', password: `Snmp-${num}-pass` },
    vnc: { username: 'vnc', password: `Vnc${num}pass` },
    community: `community${num}`,
    page: `Welcome to the team ${num} store`,
    file: `team ${num} shared files\n`,
    shareFiles: { 'welcome.txt': `team ${num} shared files\n` },
    mailboxes: ['alice'],
    www: `10.0.${num}.10`,
    product: `Blue widget ${num}`,
    motd: `team ${num} keeps the lights on`,
    location: `Server room ${num}`,
  }
}

/** Daemons that can be left stopped on a box (their module names). */
export type DaemonName =
  | 'sshd'
  | 'nginx'
  | 'vsftpd'
  | 'mail'
  | 'nsd'
  | 'slapd'
  | 'mariadb'
  | 'postgres'
  | 'samba'
  | 'redis'
  | 'snmpd'
  | 'vnc'
  | 'xrdp'

export interface Box {
  num: number
  address: string
  domain: string
  /** What the box's servers hold (the scorer's view, with the team's breakages). */
  server: TeamView
  /** Daemons not running on this box: their ports refuse connections. */
  stopped: ReadonlySet<DaemonName>
  /** A daemon started, then frozen with SIGSTOP: its ports accept and never answer. */
  hung: ReadonlySet<DaemonName>
  /** TCP ports taken over by a listener that accepts and never speaks. */
  silent: readonly number[]
  /** TLS ports served without TLS (a listener missing its `ssl = yes`). */
  plainTls: readonly number[]
  /** Where healthy boxes differ, as real teams' boxes do (team 3 is the stricter or older one). */
  settings: {
    /** samba with `server signing = mandatory` (an AD-style hardening). */
    smbSigning: boolean
    /** PostgreSQL with MD5 passwords instead of SCRAM (an upgraded old cluster). */
    pgMd5: boolean
    /** Xtigervnc with its default security types (VeNCrypt's TLSVnc first, then VncAuth). */
    vncDefaultSecurity: boolean
  }
  /** Filled by the lab before the daemons start; `fingerprint` as openssl prints it. */
  tls: { cert: string; key: string; fingerprint: string }
}

function box(num: number, change: (view: TeamView) => void, rest: Partial<Box> = {}): Box {
  const server = scorerView(num)
  change(server)
  return {
    num,
    address: `127.0.1.${num}`,
    domain: `team${num}.test`,
    server,
    stopped: new Set(),
    hung: new Set(),
    silent: [],
    plainTls: [],
    settings: { smbSigning: false, pgMd5: false, vncDefaultSecurity: false },
    tls: { cert: '', key: '', fingerprint: '' },
    ...rest,
  }
}

export function boxes(): Box[] {
  return [
    box(1, () => undefined),
    box(
      2,
      (s) => {
        s.shell.password = 'Changed-by-team-2'
        s.web.password = 'Changed-by-team-2'
        s.dir.password = 'Changed-by-team-2'
        s.mysql.password = 'Changed-by-team-2'
        s.vnc.password = 'Changed2'
        s.community = 'changed-by-team-2'
        s.page = 'Hacked by the red team'
        s.www = '10.66.6.6'
        s.product = 'Sold out: red team was here'
        s.shareFiles = {}
        s.mailboxes = ['postmaster']
      },
      { stopped: new Set<DaemonName>(['vsftpd', 'xrdp', 'redis']), plainTls: [995] },
    ),
    box(3, () => undefined, {
      hung: new Set<DaemonName>(['redis']),
      silent: [143],
      settings: { smbSigning: true, pgMd5: true, vncDefaultSecurity: true },
    }),
  ]
}

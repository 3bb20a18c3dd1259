/**
 * The competition.yaml of the integration suite: every service a CCDC box runs, one or more per
 * check type of the SPEC (section 6), with the SPEC's option names, for the three team boxes.
 * A service whose type is left out (not registered yet) is not written, so the scanner can load
 * the rest.
 */
import { createHash } from 'node:crypto'
import { stringify } from 'yaml'
import { scorerView, type Box } from './scenario.ts'

export interface ServiceTemplate {
  name: string
  type: string
  [key: string]: unknown
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const perTeam = (boxes: Box[], fn: (num: number) => Record<string, unknown>) =>
  Object.fromEntries(boxes.map((box) => [String(box.num), fn(box.num)]))

const PRODUCT_QUERY = 'SELECT name FROM products WHERE id = 1'
const LDAP_OPTIONS = {
  bind_dn: 'uid={username},ou=people,dc=team{num},dc=test',
  base_dn: 'ou=people,dc=team{num},dc=test',
  filter: '(uid={username})',
  expect: 'cn: Alice Blue',
}
const SYS_LOCATION = '1.3.6.1.2.1.1.6.0'

export function services(boxes: Box[]): ServiceTemplate[] {
  return [
    { name: 'www', type: 'http', url: '/index.html', http_string: 'Welcome to the team {num} store' },
    { name: 'www-tls', type: 'https', url: '/index.html', http_string: 'Welcome to the team {num} store' },
    {
      name: 'intranet',
      type: 'http',
      url: '/intranet/',
      team_specific_info: 'web',
      http_string: 'Staff only',
      options: { basic_auth: true },
    },
    {
      name: 'portal',
      type: 'http-form',
      url: '/portal/login',
      team_specific_info: 'web',
      options: {
        login_url: '/portal/login',
        user_field: 'username',
        pass_field: 'password',
        expect: 'Welcome back',
        // The form loads but the login fails: 2 of the 5 points.
        partial: 2,
      },
    },
    {
      name: 'ssh',
      type: 'ssh',
      team_specific_info: 'shell',
      options: { command: 'id -un', expect: '{username}' },
    },
    {
      name: 'sftp',
      type: 'sftp',
      team_specific_info: 'shell',
      options: { file: 'welcome.txt', expect: 'team {num} shared files' },
    },
    {
      name: 'ftp',
      type: 'ftp',
      team_specific_info: 'shell',
      options: { file: 'welcome.txt', expect: 'team {num} shared files', upload: true },
    },
    {
      name: 'ftps',
      type: 'ftps',
      team_specific_info: 'shell',
      options: { file: 'welcome.txt' },
      overrides: perTeam(boxes, (num) => ({ options: { sha256: sha256(scorerView(num).file) } })),
    },
    {
      name: 'dns',
      type: 'dns',
      options: { record: 'www.team{num}.test', qtype: 'A', expect: '10.0.{num}.10' },
    },
    {
      name: 'dns-mx',
      type: 'dns',
      options: { record: 'team{num}.test', qtype: 'MX', expect: '10 mail.team{num}.test', tcp: true },
    },
    { name: 'ldap', type: 'ldap', team_specific_info: 'dir', options: LDAP_OPTIONS },
    {
      // Pinned to the box's certificate.
      name: 'ldaps',
      type: 'ldaps',
      team_specific_info: 'dir',
      options: LDAP_OPTIONS,
      overrides: Object.fromEntries(
        boxes.map((box) => [String(box.num), { options: { tls_fingerprint: box.tls.fingerprint } }]),
      ),
    },
    {
      name: 'smtp',
      type: 'smtp',
      team_specific_info: 'mail',
      options: { from: 'scoring@scanner.test', to: '{username}@team{num}.test', auth: true, tls: 'starttls' },
    },
    {
      name: 'smtps',
      type: 'smtps',
      team_specific_info: 'mail',
      options: { from: 'scoring@scanner.test', to: '{username}@team{num}.test', auth: true },
    },
    { name: 'imap', type: 'imap', team_specific_info: 'mail', options: { mailbox: 'INBOX' } },
    { name: 'imaps', type: 'imaps', team_specific_info: 'mail' },
    { name: 'pop3', type: 'pop3', team_specific_info: 'mail' },
    { name: 'pop3s', type: 'pop3s', team_specific_info: 'mail' },
    {
      name: 'mysql',
      type: 'mysql',
      team_specific_info: 'mysql',
      options: { database: 'shop', query: PRODUCT_QUERY, expect: 'Blue widget {num}' },
    },
    {
      name: 'postgres',
      type: 'postgres',
      team_specific_info: 'pg',
      options: { database: 'shop', query: PRODUCT_QUERY, expect: 'Blue widget {num}' },
    },
    {
      name: 'smb',
      type: 'smb',
      team_specific_info: 'share',
      options: { share: 'public', file: 'welcome.txt', expect: 'team {num} shared files' },
    },
    { name: 'rdp', type: 'rdp' },
    { name: 'vnc', type: 'vnc', team_specific_info: 'vnc' },
    {
      name: 'redis',
      type: 'redis',
      team_specific_info: 'cache',
      options: { key: 'motd', expect: 'keeps the lights on' },
    },
    {
      name: 'snmp',
      type: 'snmp',
      options: {
        version: '2c',
        community: '{info.community}',
        oid: SYS_LOCATION,
        expect: 'Server room {num}',
      },
    },
    {
      name: 'snmp-v3',
      type: 'snmp',
      team_specific_info: 'snmp',
      options: { version: 3, oid: SYS_LOCATION, expect: 'Server room {num}' },
    },
    { name: 'ssh-banner', type: 'tcp', port: 22, options: { expect_regex: '^SSH-2\\.0-OpenSSH' } },
    { name: 'ping', type: 'icmp' },
    {
      // Team 3 runs Windows: its remote administration is RDP.
      name: 'admin',
      type: 'remote-admin',
      team_specific_info: 'shell',
      options: { command: 'id -un', expect: '{username}' },
      overrides: { 3: { port: 3389 } },
    },
    {
      // Team 3's application database is PostgreSQL.
      name: 'app-db',
      type: 'database',
      team_specific_info: 'mysql',
      options: { database: 'shop', query: PRODUCT_QUERY, expect: 'Blue widget {num}' },
      overrides: { 3: { port: 5432, team_specific_info: 'pg' } },
    },
  ]
}

/** competition.yaml for the boxes, without the services of the `left out` types. */
export function competitionYaml(boxes: Box[], leftOut: ReadonlySet<string>): string {
  const teams = boxes.map((box) => {
    const view = scorerView(box.num)
    const { shell, share, web, mail, dir, mysql, pg, cache, snmp, vnc } = view
    return {
      number: box.num,
      name: `Team ${box.num}`,
      info: { shell, share, web, mail, dir, mysql, pg, cache, snmp, vnc, community: view.community },
    }
  })
  return stringify({
    name: 'Integration: real daemons',
    defaults: { timeout: '5s', points: 5, host: '127.0.1.{num}' },
    teams,
    services: services(boxes).filter((service) => !leftOut.has(service.type)),
  })
}

/** The check types that come with the scanner. */
import { ServiceRegistry } from '../src/sdk.ts'
import { DatabaseCheck } from './database.ts'
import { DnsCheck } from './dns.ts'
import { FtpCheck, FtpsCheck } from './ftp.ts'
import { HttpCheck, HttpsCheck } from './http.ts'
import { HttpFormCheck } from './http-form/http-form.ts'
import { IcmpCheck } from './icmp.ts'
import { ImapCheck, ImapsCheck } from './imap/imap-check.ts'
import { LdapCheck, LdapsCheck } from './ldap/ldap.ts'
import { MssqlCheck } from './mssql.ts'
import { MysqlCheck } from './mysql.ts'
import { PostgresCheck } from './postgres.ts'
import { Pop3Check, Pop3sCheck } from './pop3.ts'
import { RdpCheck } from './rdp.ts'
import { RedisCheck } from './redis/redis.ts'
import { RemoteAdminCheck } from './remote-admin.ts'
import { SftpCheck } from './sftp.ts'
import { SmbCheck } from './smb/smb.ts'
import { SmtpCheck, SmtpsCheck } from './smtp/smtp-check.ts'
import { SnmpCheck } from './snmp/snmp.ts'
import { SshCheck } from './ssh.ts'
import { TcpCheck } from './tcp.ts'
import { VncCheck } from './vnc/vnc.ts'

/** In the order of the SPEC's table. */
export const BUILTIN_TYPES = [
  HttpCheck,
  HttpsCheck,
  HttpFormCheck,
  SshCheck,
  SftpCheck,
  FtpCheck,
  FtpsCheck,
  DnsCheck,
  LdapCheck,
  LdapsCheck,
  SmtpCheck,
  SmtpsCheck,
  ImapCheck,
  ImapsCheck,
  Pop3Check,
  Pop3sCheck,
  MysqlCheck,
  PostgresCheck,
  MssqlCheck,
  SmbCheck,
  RdpCheck,
  VncCheck,
  RedisCheck,
  SnmpCheck,
  TcpCheck,
  IcmpCheck,
  RemoteAdminCheck,
  DatabaseCheck,
] as const

/** A new registry holding every built-in check type (a new one each call: callers may add to it). */
export function builtinTypes(): ServiceRegistry {
  const registry = new ServiceRegistry()
  for (const cls of BUILTIN_TYPES) registry.register(cls)
  return registry
}

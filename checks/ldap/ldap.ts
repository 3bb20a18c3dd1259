/**
 * `ldap` and `ldaps`: binds with the service's credentials, as `user@domain` when `domain` is set
 * (Active Directory) or as `bind_dn` (OpenLDAP), and, when `base_dn` is set, searches under it and
 * matches the entries found.
 *
 * Options:
 * - `domain`: bind as `username@domain` (a username that already has an `@` or a `\` is kept).
 * - `bind_dn`: the DN to bind as, a template with `{username}` (`uid={username},ou=people,dc=team1`).
 *   Without `domain` or `bind_dn` the username is sent as it is (a DN or a UPN). A service with no
 *   credentials at all binds anonymously; an empty password is refused (the server would take it
 *   for an anonymous bind and say yes).
 * - `base_dn`: search the subtree under this DN after the bind (entries read at most: 100).
 * - `filter`: the search filter (`(objectClass=*)`); needs `base_dn`.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the entries found, written as
 *   LDIF (`dn: ...`, then `attribute: value` lines); need `base_dn`. A search that finds nothing
 *   fails the match.
 * - `tls`: `none` (ldap's default, port 389), `starttls` (the StartTLS extended operation) or
 *   `implicit` (ldaps's default, port 636).
 * - `tls_verify`, `tls_fingerprint`: check the certificate, or pin it.
 *
 * At most 100 entries and 1 MiB of answers are read, whatever size limit the server applies: past
 * that the connection is closed and the entries read so far are matched.
 *
 * Stages: `connect`, `tls` (handshake, StartTLS refused), `auth` (bind refused), `action` (the
 * search failed: no such base DN, access denied), `match`.
 *
 * @example
 * # competition.yaml
 * - name: ad
 *   type: ldap
 *   team_specific_info: ad_admin
 *   options: { domain: "team{num}.local", base_dn: "dc=team{num},dc=local", filter: "(sAMAccountName={username})", expect: "{username}" }
 */
import type { Socket } from 'node:net'
import type { connect as tlsConnect } from 'node:tls'
import {
  expectOptions,
  hasExpectations,
  matchExpected,
  tlsCertificateOptions,
  tlsMode,
  type TlsMode,
  lazily,
} from '../../src/check-options.ts'
import {
  CheckFailure,
  ServiceType,
  z,
  type CheckContext,
  type Credentials,
  type Service,
  type Stage,
} from '../../src/sdk.ts'
import { loadLdapts } from '../client-libraries.ts'
import { ldapFilterProblem } from './ldap-filter.ts'
import { MAX_LDAP_ENTRIES, SessionWatch, ldapFailure, requestStartTls, type Cut } from './ldap-session.ts'
import { connectTcp, startTls } from '../socket.ts'

export { MAX_LDAP_BYTES, MAX_LDAP_ENTRIES } from './ldap-session.ts'

const DEFAULT_FILTER = '(objectClass=*)'

function ldapOptionsFor(defaultTls: TlsMode) {
  return z
    .object({
      domain: z.string().min(1).optional(),
      bind_dn: z.string().min(1).optional(),
      base_dn: z.string().min(1).optional(),
      filter: z
        .string()
        .min(1)
        .optional()
        .superRefine((filter, ctx) => {
          const problem = filter === undefined ? undefined : ldapFilterProblem(filter)
          if (problem !== undefined)
            ctx.addIssue({ code: 'custom', message: `not an LDAP filter: ${problem}` })
        }),
      ...expectOptions(),
      tls: tlsMode(defaultTls),
      ...tlsCertificateOptions(),
    })
    .strict()
    .superRefine((options, ctx) => {
      if (options.domain !== undefined && options.bind_dn !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'set domain or bind_dn, not both', path: ['bind_dn'] })
      }
      if (options.base_dn === undefined && (options.filter !== undefined || hasExpectations(options))) {
        ctx.addIssue({
          code: 'custom',
          message: 'filter, expect, expect_regex and expect_exact need a base_dn to search under',
          path: ['base_dn'],
        })
      }
    })
}

export const ldapOptions = lazily(() => ldapOptionsFor('none'))
export const ldapsOptions = lazily(() => ldapOptionsFor('implicit'))

export type LdapOptions = z.output<ReturnType<typeof ldapOptions>>

export class LdapCheck extends ServiceType<LdapOptions> {
  static override shortName = 'ldap'
  static override description = 'bind (user@domain or bind_dn), optional search with its entries matched'
  static override defaultPort = 389
  static override options = ldapOptions

  /**
   * The service's credentials with the bind name as username: `user@domain` when `domain` is set,
   * `bind_dn` with `{username}` filled in when that is set.
   */
  override getCredentials(service: Service<LdapOptions>): Credentials {
    const { username, password } = super.getCredentials(service)
    const { domain, bind_dn: bindDn } = service.options
    if (domain !== undefined) {
      return { username: /[@\\]/.test(username) ? username : `${username}@${domain}`, password }
    }
    if (bindDn !== undefined) return { username: bindDn.replaceAll('{username}', username), password }
    return { username, password }
  }

  override async doCheck(service: Service<LdapOptions>, ctx: CheckContext): Promise<void> {
    const action = service.options.base_dn === undefined ? 'bind' : 'bind and search'
    try {
      await this.session(service, ctx)
    } catch (err) {
      this.log(service, action, false)
      throw err
    }
    this.reportScore(service, service.points, null)
    this.log(service, action, true)
  }

  private async session(service: Service<LdapOptions>, ctx: CheckContext): Promise<void> {
    const { options } = service
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    const identity = this.identity(service)
    const ldapts = await loadLdapts()
    // Outermost last: a TLS socket must be destroyed before the socket under it.
    const sockets: Socket[] = []
    let finished = false
    try {
      const tcp = await connectTcp(service.host, service.port, ctx.signal)
      sockets.push(tcp)
      let socket: Socket = tcp
      if (options.tls !== 'none') {
        mark('tls')
        if (options.tls === 'starttls') await requestStartTls(ldapts, tcp, ctx.signal)
        const settings = {
          name: service.host,
          verify: options.tls_verify,
          fingerprint: options.tls_fingerprint,
        }
        socket = await startTls(tcp, settings, ctx.signal)
        sockets.push(socket)
      }
      const secure = socket !== tcp
      const client = new ldapts.Client({
        url: `${secure ? 'ldaps' : 'ldap'}://${service.host.includes(':') ? `[${service.host}]` : service.host}:${service.port}`,
        // The connection is ours, made and secured already: ldapts talks over it.
        createConnection: () => socket,
        createSecureConnection: (() => socket) as unknown as typeof tlsConnect,
      })
      const watch = new SessionWatch(ldapts, socket, ctx.signal)
      try {
        if (identity !== undefined) {
          mark('auth')
          watch.attach(client)
          await watch.guard(client.bind(identity.username, identity.password))
          ctx.debug(`bound as ${identity.username}`)
        }
        if (options.base_dn !== undefined) {
          mark('action')
          const filter = options.filter ?? DEFAULT_FILTER
          if (identity === undefined) watch.attach(client)
          const search = client.search(options.base_dn, {
            scope: 'sub',
            filter,
            sizeLimit: MAX_LDAP_ENTRIES,
            attributes: ['*'],
          })
          try {
            await watch.guard(search)
          } catch (err) {
            // Reading stopped at a cap: what was read is what the check matches.
            if (watch.cut === undefined || watch.entries.length === 0) throw err
          }
          ctx.debug(`search under ${options.base_dn} with ${filter}: ${watch.entries.length} entries`)
          mark('match')
          this.match(watch.entries, watch.cut, options)
        }
      } finally {
        watch.detach()
      }
      finished = true
      void client.unbind().catch(() => undefined)
    } catch (err) {
      throw ldapFailure(ldapts, err, stage, identity?.username, options.base_dn)
    } finally {
      const close = () => sockets.reverse().forEach((s) => s.destroy())
      // After an unbind, let it go out first; either way nothing stays open.
      if (finished) setTimeout(close, 1000).unref()
      else close()
    }
  }

  /** Who to bind as; undefined for an anonymous session (a service with no credentials at all). */
  private identity(service: Service<LdapOptions>): Credentials | undefined {
    const none =
      service.username === null &&
      service.password === null &&
      service.credentialPool === null &&
      service.teamSpecificInfo === null
    if (none && service.options.bind_dn === undefined) return undefined
    const credentials = this.getCredentials(service)
    if (credentials.password === '') {
      throw new CheckFailure(
        'auth',
        `the password for "${credentials.username}" is empty: the server would take it for an anonymous bind`,
      )
    }
    return credentials
  }

  private match(entries: string[], cut: Cut | undefined, options: LdapOptions): void {
    const where = `under ${JSON.stringify(options.base_dn)} with filter ${options.filter ?? DEFAULT_FILTER}`
    if (entries.length === 0) throw new CheckFailure('match', `the search ${where} found no entries`)
    const n = entries.length
    const what =
      cut === undefined
        ? `search result (${n} entries)`
        : cut === 'size limit'
          ? `search result (first ${n} entries: the search hit a size limit)`
          : `search result (first ${n} entries read)`
    matchExpected(entries.join('\n\n'), options, what)
  }
}

export class LdapsCheck extends LdapCheck {
  static override shortName = 'ldaps'
  static override description =
    'bind over TLS (user@domain or bind_dn), optional search with its entries matched'
  static override defaultPort = 636
  static override options = ldapsOptions
}

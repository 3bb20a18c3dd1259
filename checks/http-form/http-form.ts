/**
 * `http-form`: logs in to a web application as a person does: GETs the login page, fills in its
 * form (hidden fields such as a CSRF token are sent back as they came, cookies are kept), POSTs
 * the service's credentials, follows the redirects, and matches the page it lands on.
 *
 * Options:
 * - `login_url`: the login page (a path, or a full URL whose path is used; `https://` means TLS
 *   unless `tls` says otherwise). The service's `url` otherwise, `/` when that is empty.
 * - `user_field`, `pass_field`: the names of the form's username and password fields
 *   (`username`, `password`). The form sent is the first one that has `pass_field`.
 * - `expect` / `expect_regex`: text that must appear (a list: any of them), or a regular
 *   expression that must match, in the page after the login; the service's `http_string` and
 *   `http_regex` are matched there too.
 * - `partial`: points given when the login form loads but the login fails (0).
 * - `vhost`: the Host header (and TLS server name); the service's host otherwise.
 * - `tls`: `none` or `implicit`; `tls_verify`, `tls_fingerprint` as for https.
 *
 * The login is judged refused when the server answers 401 or 403, or when the page after it
 * shows the login form again, unless `expect` / `expect_regex` match that page. At most 1 MiB of
 * each page is read and 5 redirects followed, on the service's server only. Forms built by
 * JavaScript are out of reach.
 *
 * Stages: `connect`, `tls`, `auth` (the login page does not load or has no such form, the login
 * is refused), `action` (an error status after the login, too many redirects), `match`.
 *
 * @example
 * # competition.yaml
 * - name: wiki
 *   type: http-form
 *   team_specific_info: wiki_admin
 *   options: { login_url: /login.php, user_field: user, pass_field: pass, expect: "Log out", partial: 2 }
 */
import {
  excerpt,
  expectOptions,
  hasExpectations,
  matchExpected,
  numberish,
  tlsCertificateOptions,
  type ExpectOptions,
  lazily,
} from '../../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../../src/sdk.ts'
import { httpClient, httpFailure, requestPath, serverName } from '../http.ts'
import { Browser, type Page } from './browser.ts'
import { formWithField, parseForms, submission, type HtmlForm } from './html-form.ts'

export const httpFormOptions = lazily(() =>
  z
    .object({
      login_url: z.string().trim().min(1).optional(),
      user_field: z.string().min(1).default('username'),
      pass_field: z.string().min(1).default('password'),
      expect: expectOptions().expect,
      expect_regex: expectOptions().expect_regex,
      partial: numberish()
        .refine((v) => v >= 0, 'must not be negative')
        .default(0),
      vhost: z.string().min(1).optional(),
      tls: z.enum(['none', 'implicit'], { error: 'must be one of none, implicit' }).optional(),
      ...tlsCertificateOptions(),
    })
    .strict(),
)

export type HttpFormOptions = z.output<ReturnType<typeof httpFormOptions>>

export class HttpFormCheck extends ServiceType<HttpFormOptions> {
  static override shortName = 'http-form'
  static override description =
    'log in through a web form (CSRF field and cookies kept) and match the page after'
  static override defaultPort = 80
  static override options = httpFormOptions

  override async doCheck(service: Service<HttpFormOptions>, ctx: CheckContext): Promise<void> {
    const path = requestPath(service.options.login_url ?? service.url)
    try {
      await this.login(service, path, ctx)
    } catch (err) {
      this.log(service, `login at ${path}`, false)
      throw err
    }
    this.reportScore(service, service.points, null)
    this.log(service, `login at ${path}`, true)
  }

  private async login(service: Service<HttpFormOptions>, path: string, ctx: CheckContext): Promise<void> {
    const { options } = service
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    const { username, password } = this.getCredentials(service)
    const secure =
      options.tls === undefined
        ? /^https:/i.test(options.login_url ?? service.url)
        : options.tls === 'implicit'
    const host = options.vhost ?? service.host
    const target = {
      host: service.host,
      port: service.port,
      secure,
      tls: { name: serverName(host), verify: options.tls_verify, fingerprint: options.tls_fingerprint },
    }
    mark('connect')
    // Stages move on with the first connection only: undici may open another one later.
    const client = await httpClient(target, ctx.signal, {
      tls: () => {
        if (stage === 'connect') mark('tls')
      },
      connected: () => {
        if (stage === 'connect' || stage === 'tls') mark('auth')
      },
    })
    const browser = new Browser(client, { secure, host, port: service.port, vhost: options.vhost }, ctx)
    try {
      const page = await browser.fetch('GET', path)
      if (page.status < 200 || page.status > 299) {
        throw new CheckFailure(
          'auth',
          `the login page did not load: HTTP ${page.status} for GET ${page.path}`,
        )
      }
      const form = loginForm(page, options)
      if (options.partial > 0)
        this.reportScore(service, options.partial, 'the login form loads, the login fails')
      const action = browser.sameServer(form.action ?? page.path, page.path)
      const fields = submission(form, { [options.user_field]: username, [options.pass_field]: password })
      ctx.debug(`POST ${action} with fields ${fields.map(([name]) => name).join(', ')}`)
      const after = await browser.fetch('POST', action, new URLSearchParams(fields).toString(), page.path)
      ctx.debug(`after the login: HTTP ${after.status} for ${after.path} (${after.body.length} characters)`)
      judge(after, action, username, service)
      mark('match')
      const what = after.truncated
        ? `page after login (${after.path}, first 1 MiB)`
        : `page after login (${after.path})`
      matchExpected(after.body, options, what)
      matchExpected(after.body, httpExpectations(service), what)
    } catch (err) {
      throw httpFailure(err, stage)
    } finally {
      await client.destroy().catch(() => undefined)
    }
  }
}

/** The form to fill in: the first with `pass_field`, which must have `user_field` too. */
function loginForm(page: Page, options: HttpFormOptions): HtmlForm {
  const forms = parseForms(page.body)
  const form = formWithField(forms, options.pass_field)
  const names = (list: HtmlForm[]) => {
    const all = [...new Set(list.flatMap((f) => f.controls.map((c) => c.name)).filter((n) => n !== ''))]
    return all.length === 0
      ? 'none'
      : all
          .slice(0, 12)
          .map((n) => excerpt(n, 40))
          .join(', ')
  }
  if (form === undefined) {
    throw new CheckFailure(
      'auth',
      `no login form on ${page.path}: no field named "${options.pass_field}" (fields: ${names(forms)})`,
    )
  }
  if (!form.controls.some((c) => c.name === options.user_field)) {
    throw new CheckFailure(
      'auth',
      `the login form on ${page.path} has no field named "${options.user_field}" (fields: ${names([form])})`,
    )
  }
  return form
}

/** Refused (stage `auth`) or failed (stage `action`) logins, judged on the page after the POST. */
function judge(after: Page, action: string, username: string, service: Service<HttpFormOptions>): void {
  const { options } = service
  if (after.status === 401 || after.status === 403) {
    throw new CheckFailure(
      'auth',
      `login refused for user "${username}": HTTP ${after.status} after POST ${action}`,
    )
  }
  const expectations = { expect: options.expect, expect_regex: options.expect_regex }
  if (
    formWithField(parseForms(after.body), options.pass_field) !== undefined &&
    !matches(after.body, expectations)
  ) {
    throw new CheckFailure(
      'auth',
      `login refused for user "${username}": the login form came back (${after.path})`,
    )
  }
  if (after.status < 200 || after.status > 299) {
    throw new CheckFailure('action', `HTTP ${after.status} for ${after.path} after the login`)
  }
}

/** Whether the match options are set and all hold. */
function matches(text: string, options: ExpectOptions): boolean {
  if (!hasExpectations(options)) return false
  try {
    matchExpected(text, options, 'page')
    return true
  } catch {
    return false
  }
}

function httpExpectations(service: Service<HttpFormOptions>): ExpectOptions {
  return {
    expect: service.httpString === null || service.httpString === '' ? undefined : [service.httpString],
    expect_regex: service.httpRegex === null || service.httpRegex === '' ? undefined : service.httpRegex,
  }
}

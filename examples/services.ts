/**
 * Custom check types for a competition: load them with `scanner run --round --services
 * examples/services.ts` (or `--services DIR` for every `*.ts` in a folder). The file is TypeScript
 * as you would write it anywhere: types, `import type`, enums, class fields, decorators and relative
 * imports all work, inside the single binary too. `import ... from 'scanner'` is the scanner's SDK.
 *
 * Three kinds of check are shown here:
 * - `status-api` (standard): one team's service at a time, in that team's worker.
 * - `web-any` (multi-protocol): picks another registered type for each team's service.
 * - `grid` (mass): one request for all teams at once, to a controller that knows every team.
 *
 * A check fails by throwing `CheckFailure(stage, message)`: the stage (`connect`, `tls`, `auth`,
 * `action`, `match`) and the message are what the team sees on the status page. Any other error is
 * recorded too, under the last stage the check reached with `ctx.stage(...)`. Every check gets a
 * timeout; pass `ctx.signal` to whatever waits on the network so it stops on time.
 */
import { CheckFailure, ServiceType, register, z } from 'scanner'
import type { CheckContext, Service } from 'scanner'
import { getJson } from './lib/get-json.ts'

/** The states a plant controller reports for one team. */
enum PlantState {
  Running = 'running',
  Tripped = 'tripped',
  Offline = 'offline',
}

const statusApiOptions = z
  .object({
    /** The field of the JSON document to read. */
    field: z.string().default('status'),
    /** The value the field must have. */
    expect: z.string().default('ok'),
  })
  .strict()

/**
 * `status-api`: GET the service's `url` (a JSON health endpoint), and require `field` to equal
 * `expect`.
 *
 * @example
 * # competition.yaml
 * - { name: api, type: status-api, host: "10.0.{num}.20", port: 8080, url: /health, options: { field: db } }
 */
@register
export class StatusApiCheck extends ServiceType<z.output<typeof statusApiOptions>> {
  static override shortName = 'status-api'
  static override description = 'GET a JSON health document; a field must have the expected value'
  static override defaultPort = 80
  static override options = statusApiOptions

  override async doCheck(
    service: Service<z.output<typeof statusApiOptions>>,
    ctx: CheckContext,
  ): Promise<void> {
    const { field, expect } = service.options
    const document = await getJson(`http://${service.host}:${service.port}${service.url}`, ctx)
    ctx.stage('match')
    const value = (document as Record<string, unknown> | null)?.[field]
    if (String(value) !== expect)
      throw new CheckFailure(
        'match',
        `"${field}" is ${JSON.stringify(value) ?? 'missing'}, expected "${expect}"`,
      )
    this.reportScore(service, service.points, null)
    this.log(service, `GET ${service.url}`, true)
  }
}

/**
 * `web-any`: the team's web server, over `https` or `http`. A multi-protocol type only chooses:
 * `resolveMulti` returns the short name of the type that checks this team's service (with the same
 * host, port, url and `http_string`). Here the service's `protocol` decides (set it per team with an
 * override), else the port: 443 is `https`, any other `http`.
 *
 * @example
 * - { name: www, type: web-any, host: "10.0.{num}.10", http_string: Welcome, overrides: { 3: { protocol: https, port: 8443 } } }
 */
@register
export class WebAnyCheck extends ServiceType {
  static override shortName = 'web-any'
  static override description = 'the team web server: its protocol (http or https), else https on 443'
  static override defaultPort = 80

  override resolveMulti(service: Service): string {
    if (service.protocol === 'http' || service.protocol === 'https') return service.protocol
    return service.port === 443 ? 'https' : 'http'
  }
}

/**
 * `grid` (mass check): the power-grid controller of the competition reports the plant of every team
 * in one document, `{ "<team number>": "running" | "tripped" | "offline" }`, served at the
 * service's host, port and url. A mass check runs once per round for all teams: the scanner calls
 * `doMassCheck` with every team's service and each one must get a `reportScore`.
 *
 * @example
 * - { name: plant, type: grid, host: 10.0.0.5, port: 8000, url: /plants }
 */
@register
export class GridCheck extends ServiceType {
  static override shortName = 'grid'
  static override description = 'mass check: one controller reports the plant of every team'
  static override defaultPort = 8000

  override async doMassCheck(services: Service[], ctx: CheckContext): Promise<void> {
    const first = services[0]
    if (!first) return
    const states = (await getJson(`http://${first.host}:${first.port}${first.url}`, ctx)) as Record<
      string,
      unknown
    >
    for (const service of services) {
      const state = states?.[String(service.team)]
      if (state === PlantState.Running) this.reportScore(service, service.points, null)
      else {
        const reported = typeof state === 'string' ? state : PlantState.Offline
        this.reportScore(service, 0, `the controller reports the plant ${reported}`)
      }
    }
  }
}

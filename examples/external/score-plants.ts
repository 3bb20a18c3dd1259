/**
 * An external check in TypeScript: scores the `plant` service of every team at once, from one
 * poll of the plant controller (a SCADA master that knows every team's plant). Services with
 * `external: true` are skipped by rounds; a script like this one scores them, as often as the
 * organisers run it (cron, a loop, or by hand), while `scanner run` runs rounds beside it.
 *
 *     SCANNER_DB=./scanner.db node examples/external/score-plants.ts
 *
 * It imports the scanner's SDK as `scanner` (this repository's package; run it from a checkout,
 * with Node 24). `score-plants.sh` does the same through the `scanner` command line, for scripts
 * in any language. Environment: `SCANNER_DB` (default ./scanner.db), `PLANT_SERVICE` (the service
 * name, default `plant`). The controller's address is the service's host, port and url in
 * competition.yaml. Exit 0 when the teams were scored, 1 when the controller could not be read
 * (then nobody is scored: the controller is the organisers', its outage not the teams' fault).
 */
import { openScanner, type Service } from 'scanner'

const SERVICE = process.env.PLANT_SERVICE ?? 'plant'
const TIMEOUT_MS = 5000

/** What the controller says about one team's plant. */
interface PlantReport {
  state?: unknown
  alarms?: unknown
}

async function readController(url: string): Promise<Record<string, PlantReport>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' })
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`)
  const document: unknown = await response.json()
  if (typeof document !== 'object' || document === null) throw new Error(`${url} did not answer an object`)
  return document as Record<string, PlantReport>
}

using scanner = await openScanner() // closed when the script ends
const plants: Service[] = scanner.services(SERVICE)
const first = plants[0]
if (!first) {
  console.error(`score-plants: no external service named "${SERVICE}" in ${scanner.file}`)
  process.exitCode = 2
} else {
  const url = `http://${first.host}:${first.port}${first.url}`
  for (const plant of plants) scanner.insertServiceScoreInProgress(plant.id)
  try {
    const reports = await readController(url).catch((err: unknown) => {
      console.error(
        `score-plants: cannot read the plant controller: ${(err as Error).message}; nobody scored`,
      )
      process.exitCode = 1
      return null
    })
    if (reports) {
      for (const plant of plants) {
        const report = reports[String(plant.team)]
        const state = typeof report?.state === 'string' ? report.state : 'offline'
        if (state === 'running') {
          scanner.insertServiceScore(plant.id, plant.points, null)
          continue
        }
        const score = scanner.insertServiceScore(plant.id, 0, `the controller reports the plant ${state}`)
        // What the controller said, alarms included, for the white team only.
        scanner.reportServiceError(
          score,
          `controller answer for team ${plant.team}: ${JSON.stringify(report ?? null)}`,
        )
      }
      console.log(`score-plants: scored ${plants.length} teams from ${url}`)
    }
  } finally {
    for (const plant of plants) scanner.insertServiceScoreDone(plant.id)
  }
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDemoCompetition } from '../demo/demo-competition.ts'
import { runSingleRound } from '../engine/scanner-run.ts'
import { ScanLog } from '../log/scan-log.ts'
import { statusTable } from '../report/status-table.ts'
import type { CommonArgs } from './common.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'

export interface DemoArgs extends CommonArgs {
  keep: boolean
}

/**
 * `scanner demo`: demo target services on loopback (some broken), a demo competition in a
 * temporary folder, one round through the real engine, and the status table.
 */
export async function demoCommand(args: DemoArgs, out: (text: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scanner-demo-'))
  const demo = await startDemoCompetition()
  const log = new ScanLog(join(dir, 'scan.log'), { stderr: false })
  try {
    const config = join(dir, 'competition.yaml')
    writeFileSync(config, demo.yaml)
    const { registry, compiled } = await loadTypes({ services: [] })
    const competition = loadCompetition({ config }, registry)
    const { summary, store } = await runSingleRound(join(dir, 'scanner.db'), competition, registry, {
      services: compiled,
      log: log.write,
    })
    try {
      out(
        `Demo round done in ${(summary.durationMs / 1000).toFixed(1)} s: 3 teams on loopback, some services broken on purpose.\n`,
      )
      out(statusTable(store.status()))
    } finally {
      store.close()
    }
    log.flush()
    out(args.keep ? `\nThe demo competition, database and scan log are kept in ${dir}` : '')
  } finally {
    log.close()
    await demo.close()
    if (!args.keep) rmSync(dir, { recursive: true, force: true })
  }
}

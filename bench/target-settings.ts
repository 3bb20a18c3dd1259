/** What the bench's target servers and the competitions aimed at them share. */

export const BENCH_HOST = '127.0.0.1'
export const BENCH_USER = 'bench'
export const BENCH_PASSWORD = 'Bench-pw-2026'
export const BENCH_PAGE = `<html><body><h1>Welcome to the store</h1>${'<p>item</p>'.repeat(80)}</body></html>\n`

export interface TargetPorts {
  http: number
  tcp: number
  ssh: number
  dns: number
  blackhole: number
  startup: number
}

/** Message to the parent: the time (epoch ms) of each first connection to the startup port after a reset. */
export interface StartupSeen {
  firstConnectionAt: number
}

import type { RoundLoop } from '../engine/round-loop.ts'

/**
 * Wires this process's signals to a round loop: the first SIGINT or SIGTERM lets the round in
 * flight finish and starts no other, the second aborts it; SIGHUP has the config read again
 * before the next round. `say` tells the operator what is happening.
 *
 * Returns `finished`, to call when the loop has ended: the handlers then stay, doing nothing,
 * until the process exits, so that a second Ctrl-C that comes as the last round ends (between
 * the loop's end and the exit) does not turn a clean stop into a death by signal.
 */
export function wireStopSignals(loop: RoundLoop, say: (line: string) => void): () => void {
  let stops = 0
  let ended = false
  const onStop = (signal: NodeJS.Signals) => {
    if (ended) return
    stops++
    const round = loop.roundInFlight
    if (stops === 1) {
      loop.stop()
      say(
        round === null
          ? `${signal}: stopping (no round in flight)`
          : `${signal}: finishing round ${round}; a second Ctrl-C (or SIGTERM) aborts it`,
      )
    } else {
      loop.abort()
      if (round !== null) say(`${signal}: aborting round ${round}`)
    }
  }
  const onHangUp = () => {
    if (ended) return
    loop.reload()
    say('SIGHUP: the config file is read again before the next round')
  }
  process.on('SIGINT', onStop)
  process.on('SIGTERM', onStop)
  process.on('SIGHUP', onHangUp)
  return () => {
    ended = true
  }
}

import type { PauseState } from '../../db/pause-setting.ts'
import { Store } from '../../db/store.ts'
import { existingDb, type CommonArgs } from './common.ts'

export interface PauseArgs extends CommonArgs {
  reason: string | undefined
}

/** What a pause means for the scanner running on the database (or the next one started). */
function pausedText(state: PauseState, runner: ReturnType<Store['runner']>, already: boolean): string {
  const reason = state.reason ? ` (${state.reason})` : ''
  const effect = runner
    ? `the scanner running rounds (pid ${runner.pid}) finishes its round in flight and starts no new one`
    : 'a scanner started on this database waits'
  return `Rounds ${already ? 'already ' : ''}paused since ${state.since} by ${state.actor}${reason}: ${effect} until scanner resume`
}

function pauseJson(state: PauseState | null) {
  return {
    paused: state !== null,
    since: state?.since ?? null,
    reason: state?.reason ?? null,
    by: state?.actor ?? null,
  }
}

/**
 * `scanner pause`: no new round starts, in a running `scanner run` or in one started later, until
 * `scanner resume`. Idempotent. Creates the database when there is none yet, so that a
 * competition can be paused before its first round.
 */
export function pauseCommand(args: PauseArgs, out: (text: string) => void): void {
  const store = Store.open(args.db)
  try {
    const { state, changed } = store.pauseRounds(args.reason?.trim() || null, 'cli')
    out(args.json ? JSON.stringify(pauseJson(state)) : pausedText(state, store.runner(), !changed))
  } finally {
    store.close()
  }
}

/** `scanner resume`: rounds start again. Idempotent. */
export function resumeCommand(args: CommonArgs, out: (text: string) => void): void {
  const store = Store.open(existingDb(args.db))
  try {
    const lifted = store.resumeRounds()
    const runner = store.runner()
    const effect = runner
      ? `the scanner (pid ${runner.pid}) starts rounds again`
      : 'no scanner is running rounds'
    out(
      args.json
        ? JSON.stringify(pauseJson(null))
        : lifted
          ? `Rounds resumed (paused since ${lifted.since}): ${effect}`
          : `Rounds were not paused: ${effect}`,
    )
  } finally {
    store.close()
  }
}

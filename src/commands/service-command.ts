import { Store } from '../../db/store.ts'
import { UsageError } from '../errors.ts'
import { existingDb, type CommonArgs } from './common.ts'
import { findTarget } from './target.ts'

export interface ServiceControlArgs extends CommonArgs {
  action: 'down' | 'up' | 'cap'
  target: string
  /** `down`: why, shown to the team as `Administratively down: <reason>`. */
  reason?: string | undefined
  /** `cap`: the cap as typed. */
  cap?: string | undefined
  /** `cap --clear`. */
  clear?: boolean | undefined
}

/** A reason is one line of a team-visible message. */
const MAX_REASON_CHARS = 200

/**
 * `scanner service down|up|cap TEAM/SERVICE`: the white-team controls. The change and its entry
 * in the control log are written together; the next round reads them (a round under way keeps
 * the controls it started with).
 */
export function serviceCommand(args: ServiceControlArgs, out: (text: string) => void): void {
  const change = parseChange(args)
  const store = Store.open(existingDb(args.db))
  try {
    const target = activeService(store, args.target)
    const label = `Team ${target.team} / ${target.name}`
    let changed: boolean
    let message: string
    if (change.action === 'down') {
      changed = store.setAdministrativelyDown(target.id, true, change.reason)
      message = changed
        ? `${label}: administratively down (${change.reason}); from the next round it is not checked and scores 0`
        : `${label} is already administratively down for that reason: nothing changed`
    } else if (change.action === 'up') {
      changed = store.setAdministrativelyDown(target.id, false, null)
      message = changed
        ? `${label}: back up; checked again from the next round`
        : `${label} is not administratively down: nothing changed`
    } else {
      changed = store.setScoreCap(target.id, change.cap)
      const points = store.activeServices().find((s) => s.id === target.id)?.points
      const moot =
        change.cap !== null && points !== undefined && change.cap >= points
          ? ` (it scores ${points} when up: the cap changes nothing)`
          : ''
      if (!changed) message = `${label}: the score cap is already ${change.cap ?? 'clear'}: nothing changed`
      else if (change.cap === null) message = `${label}: score cap cleared from the next round`
      else message = `${label}: score cap ${change.cap} from the next round${moot}`
    }
    if (args.json) {
      const now = store.activeServices().find((s) => s.id === target.id)
      out(
        JSON.stringify(
          {
            team: target.team,
            service: target.name,
            changed,
            administratively_down: now?.administrativelyDown ?? null,
            down_reason: now?.downReason ?? null,
            score_cap: now?.scoreCap ?? null,
          },
          null,
          2,
        ),
      )
    } else out(message)
  } finally {
    store.close()
  }
}

type Change = { action: 'down'; reason: string } | { action: 'up' } | { action: 'cap'; cap: number | null }

/** The change asked for, checked before the database is opened. */
function parseChange(args: ServiceControlArgs): Change {
  if (args.action === 'down') {
    const reason = (args.reason ?? '').trim()
    if (reason === '')
      throw new UsageError(
        'say why with --reason TEXT: the team sees "Administratively down: TEXT" as the error of each round',
      )
    // eslint-disable-next-line no-control-regex
    if (reason.length > MAX_REASON_CHARS || /[\u0000-\u001f\u007f]/.test(reason))
      throw new UsageError(`--reason must be one line of at most ${MAX_REASON_CHARS} characters`)
    return { action: 'down', reason }
  }
  if (args.action === 'up') return { action: 'up' }
  if (args.clear && args.cap !== undefined) throw new UsageError('give either a cap N or --clear, not both')
  if (args.clear) return { action: 'cap', cap: null }
  if (args.cap === undefined)
    throw new UsageError('give the cap (a whole number of points, 0 or more) or --clear')
  const text = args.cap.trim()
  const cap = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(cap))
    throw new UsageError(`the cap must be a whole number of points, 0 or more, got "${args.cap}"`)
  return { action: 'cap', cap }
}

/** TEAM/SERVICE among the services of the database; a retired one is refused by name. */
function activeService(store: Store, target: string) {
  const all = store.serviceNames()
  try {
    return findTarget(
      all.filter((s) => !s.retired),
      target,
      'the database',
    )
  } catch (err) {
    let retired
    try {
      retired = findTarget(all, target, 'the database')
    } catch {
      throw err
    }
    throw new UsageError(
      `team ${retired.team} service "${retired.name}" was removed from the config (retired): its controls cannot change`,
    )
  }
}

/**
 * String templates of service definitions, filled for each team when the config is loaded:
 * `{num}` (the team number), `{info.KEY}` (a text value of the team's info), and
 * `{info.KEY.username}` / `{info.KEY.password}` (of a credential entry). `{username}` is left as it
 * is: the team worker fills it at check time with the credentials it drew. Any other brace (a regex
 * quantifier such as `\d{1,3}`) is left alone.
 */
import type { TeamData } from '../service.ts'
import type { KeyPath } from './yaml-positions.ts'

const TEMPLATE = /\{(num|info\.[^{}\s]*)\}/g
const INFO = /^info\.([A-Za-z0-9][A-Za-z0-9_-]*)(?:\.(username|password))?$/

/** A template a team cannot fill; `{teams}` in the message stands for the teams concerned. */
export interface TemplateProblem {
  /** Path inside the value that was expanded (empty for a plain string). */
  path: KeyPath
  message: string
}

/**
 * `text` with the templates of `team` filled in. A template the team cannot fill is left as it is
 * and reported to `problems`.
 *
 * @example
 * expandTemplate('10.0.{num}.5', team3, []) // '10.0.3.5'
 */
export function expandTemplate(
  text: string,
  team: TeamData,
  problems: TemplateProblem[],
  path: KeyPath = [],
): string {
  return text.replace(TEMPLATE, (whole: string, inner: string) => {
    if (inner === 'num') return String(team.number)
    const parts = INFO.exec(inner)
    if (!parts) {
      problems.push({
        path,
        message: `${whole} is not a template: write {info.KEY}, {info.KEY.username} or {info.KEY.password}`,
      })
      return whole
    }
    const key = parts[1] ?? ''
    const field = parts[2] as 'username' | 'password' | undefined
    const value = team.info[key]
    if (value === undefined) {
      problems.push({ path, message: `${whole}: team info "${key}" is missing in {teams}` })
      return whole
    }
    if (typeof value === 'string') {
      if (field === undefined) return value
      problems.push({
        path,
        message: `${whole}: team info "${key}" is text, not {username, password}, in {teams}`,
      })
      return whole
    }
    if (field !== undefined) return value[field]
    problems.push({
      path,
      message: `${whole}: team info "${key}" holds credentials in {teams}; write {info.${key}.username} or {info.${key}.password}`,
    })
    return whole
  })
}

/**
 * Every string inside `value` (lists and mappings of options included) expanded for `team`;
 * other values are returned as they are.
 */
export function expandTemplates(
  value: unknown,
  team: TeamData,
  problems: TemplateProblem[],
  path: KeyPath = [],
): unknown {
  if (typeof value === 'string') return expandTemplate(value, team, problems, path)
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => expandTemplates(item, team, problems, [...path, i]))
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandTemplates(v, team, problems, [...path, k])]),
    )
  }
  return value
}

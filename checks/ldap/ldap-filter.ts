/**
 * The syntax check of the `filter` option, run when the config is loaded: the string form of an
 * LDAP search filter (RFC 4515) as ldapts reads it when the search is sent, checked here without
 * loading ldapts (which the check loads only when it runs). Attribute names are ldapts's (letters,
 * digits, `_` and `-`); values may hold `*` (a substring match with `=`) and `\XX` escapes, but
 * no unescaped `(` or `)`.
 *
 * @example
 * ldapFilterProblem('(&(objectClass=person)(uid={username}))') // undefined
 * ldapFilterProblem('(uid=alice') // 'a ")" is missing after (uid=alice'
 */

const ATTRIBUTE = /^[\w-]+/
/** `:dn` and a matching rule, both optional, then `:=` (an extensible match). */
const EXTENSIBLE = /^(?::dn)?(?::[\w.-]+)?:=/i
const OPERATOR = /^(?:=|>=|<=|~=)/

class FilterSyntaxError extends Error {}

/** Why `filter` is not an LDAP search filter, or undefined when it is one. */
export function ldapFilterProblem(filter: string): string | undefined {
  // Like ldapts, a filter without its outer parentheses is given them.
  const text = filter.startsWith('(') ? filter : `(${filter})`
  try {
    const end = readFilter(text, 0)
    if (end < text.length)
      return `unbalanced parentheses: ${JSON.stringify(text.slice(end))} after the filter`
    return undefined
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err.message
    throw err
  }
}

/** Reads the filter whose `(` is at `start`; returns the index just past its `)`. */
function readFilter(text: string, start: number): number {
  if (text[start] !== '(') {
    const found = start < text.length ? JSON.stringify(text.slice(start, start + 20)) : 'the end'
    throw new FilterSyntaxError(`a "(" is missing before ${found}`)
  }
  const kind = text[start + 1]
  if (kind === '&' || kind === '|') {
    let at = start + 2
    do at = readFilter(text, at)
    while (text[at] === '(')
    return closing(text, at, start)
  }
  if (kind === '!') return closing(text, readFilter(text, start + 2), start)
  const end = text.indexOf(')', start)
  if (end === -1) throw new FilterSyntaxError(`a ")" is missing after ${text.slice(start)}`)
  checkItem(text.slice(start + 1, end))
  return end + 1
}

function closing(text: string, at: number, start: number): number {
  if (text[at] !== ')') throw new FilterSyntaxError(`a ")" is missing after ${text.slice(start, at)}`)
  return at + 1
}

/** One comparison: `attr=value`, `attr=*`, `attr>=value`, `attr:dn:rule:=value` ... */
function checkItem(item: string): void {
  const attribute = item.startsWith(':') ? '' : ATTRIBUTE.exec(item)?.[0]
  if (attribute === undefined) throw new FilterSyntaxError(`invalid attribute name in (${item})`)
  const rest = item.slice(attribute.length)
  const operator = OPERATOR.exec(rest) ?? EXTENSIBLE.exec(rest)
  if (operator === null) {
    throw new FilterSyntaxError(`(${item}) is not a comparison such as (attribute=value)`)
  }
  checkValue(rest.slice(operator[0].length), item)
}

function checkValue(value: string, item: string): void {
  if (value.includes('(')) throw new FilterSyntaxError(`unescaped "(" in (${item}): write it \\28`)
  const escape = /\\(?![0-9A-Fa-f]{2})/.exec(value)
  if (escape !== null) {
    throw new FilterSyntaxError(`invalid escape in (${item}): a "\\" must start two hex digits (\\2a)`)
  }
}

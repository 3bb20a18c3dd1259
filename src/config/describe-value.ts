/** "a list", "text "abc"", "the number 3", for messages about a value of the wrong kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'an empty value (null)'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string')
    return `text ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`
  if (typeof value === 'number') return `the number ${value}`
  if (typeof value === 'boolean') return `${value}`
  if (typeof value === 'object') return 'a mapping'
  return typeof value
}

/**
 * The forms of an HTML page, read the way a browser submits them: enough of HTML for login pages
 * (`<form>`, `<input>`, `<button>`), without a DOM. Comments, scripts and styles are skipped.
 */

export interface FormControl {
  /** `input` or `button`. */
  tag: string
  name: string
  /** Lower case; `text` for an input without one, `submit` for a button without one. */
  type: string
  value: string
  checked: boolean
  disabled: boolean
}

export interface HtmlForm {
  /** The `action` attribute as written; undefined when absent (the page's own URL). */
  action: string | undefined
  controls: FormControl[]
}

/** Every `<form>` of `html`, in order, with its controls. */
export function parseForms(html: string): HtmlForm[] {
  const text = html.replace(/<!--[\s\S]*?(-->|$)|<(script|style)\b[\s\S]*?(<\/\2\s*>|$)/gi, ' ')
  const forms: HtmlForm[] = []
  const starts = [...text.matchAll(/<form\b([^>]*)>/gi)]
  starts.forEach((start, i) => {
    const from = (start.index ?? 0) + start[0].length
    const next = starts[i + 1]?.index ?? text.length
    const close = text.slice(from, next).search(/<\/form\s*>/i)
    const body = text.slice(from, close === -1 ? next : from + close)
    forms.push({ action: attributes(start[1] ?? '').get('action'), controls: controls(body) })
  })
  return forms
}

/** The first form that has a control named `field`. */
export function formWithField(forms: HtmlForm[], field: string): HtmlForm | undefined {
  return forms.find((form) => form.controls.some((control) => control.name === field))
}

/**
 * The name/value pairs a browser sends when the form is submitted with its first submit button:
 * every enabled named control with a value (checkboxes and radios only when checked), then the
 * first named submit button. `fill` replaces the value of the fields it names, and adds those
 * the form lacks.
 */
export function submission(form: HtmlForm, fill: Record<string, string>): [string, string][] {
  const pairs: [string, string][] = []
  const filled = new Set<string>()
  let submitted = false
  for (const control of form.controls) {
    if (control.disabled || control.name === '') continue
    if (control.type === 'submit' || control.type === 'image') {
      if (!submitted) pairs.push([control.name, control.value])
      submitted = true
      continue
    }
    if (['button', 'reset', 'file'].includes(control.type)) continue
    if ((control.type === 'checkbox' || control.type === 'radio') && !control.checked) continue
    const given = fill[control.name]
    if (given !== undefined) filled.add(control.name)
    pairs.push([control.name, given ?? control.value])
  }
  for (const [name, value] of Object.entries(fill)) if (!filled.has(name)) pairs.push([name, value])
  return pairs
}

function controls(body: string): FormControl[] {
  const found: FormControl[] = []
  for (const match of body.matchAll(/<(input|button)\b([^>]*)>/gi)) {
    const tag = (match[1] ?? '').toLowerCase()
    const attrs = attributes(match[2] ?? '')
    const type = (attrs.get('type') ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase()
    found.push({
      tag,
      name: attrs.get('name') ?? '',
      type,
      value: attrs.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : ''),
      checked: attrs.has('checked'),
      disabled: attrs.has('disabled'),
    })
  }
  return found
}

/** The attributes of a tag (the text after its name), names in lower case, values decoded. */
function attributes(text: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const match of text.matchAll(/([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = (match[1] ?? '').toLowerCase()
    if (!found.has(name)) found.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''))
  }
  return found
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

/** The character references of an attribute value (the named ones forms use, and numeric ones). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return NAMED[ref.toLowerCase()] ?? whole
  })
}

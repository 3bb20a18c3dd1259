import assert from 'node:assert/strict'
import { test } from 'node:test'
import { csvRecord, CsvSyntaxError, parseCsv } from '../../src/report/csv.ts'

test('csv: fields with a comma, a quote or a line break are quoted, and read back as written', () => {
  const fields = ['plain', 'a,b', 'say "hi"', 'two\nlines', '', '-5']
  const line = csvRecord(fields)
  assert.equal(line, 'plain,"a,b","say ""hi""","two\nlines",,-5')
  assert.deepEqual(parseCsv(`${line}\r\n`), [{ line: 1, fields }])
  assert.equal(csvRecord([1, null, 2.5]), '1,,2.5')
})

test('csv: blank lines are skipped, a byte order mark ignored, and each record keeps the line it starts on', () => {
  const rows = parseCsv('\uFEFFh1,h2\n\n"multi\nline",x\r\nlast,""\n')
  assert.deepEqual(rows, [
    { line: 1, fields: ['h1', 'h2'] },
    { line: 3, fields: ['multi\nline', 'x'] },
    { line: 5, fields: ['last', ''] },
  ])
  assert.deepEqual(parseCsv('a,b'), [{ line: 1, fields: ['a', 'b'] }], 'no final line break')
})

test('csv: a quote left open or text after a closing quote is refused with its line', () => {
  assert.throws(
    () => parseCsv('a,b\nc,"open\n'),
    (err: unknown) => err instanceof CsvSyntaxError && err.line === 2 && /not closed/.test(err.message),
  )
  assert.throws(
    () => parseCsv('a\n\n"x"y,z\n'),
    (err: unknown) =>
      err instanceof CsvSyntaxError && err.line === 3 && /after a closing quote/.test(err.message),
  )
})

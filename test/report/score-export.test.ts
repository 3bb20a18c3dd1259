import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ExportedRound, RoundScoreRow } from '../../db/score-export.ts'
import { csvField, csvHostileText } from '../../src/report/csv.ts'
import { writeRoundsCsv, writeRoundsJson } from '../../src/report/score-export.ts'
import { parseCsv } from '../support/csv.ts'

/** `rounds` rounds of `perRound` scores, counting how many rows were read. */
function rows(rounds: number, perRound: number) {
  const state = { read: 0 }
  function* generate(): Generator<RoundScoreRow> {
    for (let r = 1; r <= rounds; r++) {
      const round: ExportedRound = {
        round: r,
        started_at: `2026-03-07T10:${String(r).padStart(2, '0')}:00.000Z`,
        finished_at: null,
        status: 'complete',
      }
      for (let i = 0; i < perRound; i++) {
        state.read++
        yield {
          round,
          score: {
            team: i + 1,
            service: 'www',
            score: 5,
            raw_score: 5,
            up: true,
            stage: null,
            error: i % 7 === 0 ? 'a, "b"\nc' : null,
            duration_ms: i,
          },
        }
      }
    }
  }
  return { state, rows: generate() }
}

test('export writers: output is written in chunks as rows are read, not after reading them all', async () => {
  for (const write of [writeRoundsJson, writeRoundsCsv]) {
    const { state, rows: source } = rows(20, 1000)
    const readAtWrite: number[] = []
    let text = ''
    await write(source, (chunk) => {
      readAtWrite.push(state.read)
      text += chunk
    })
    assert.ok(readAtWrite.length > 1, 'several chunks')
    assert.ok(readAtWrite[0]! < 20_000, 'the first chunk goes out before the last row is read')
    if (write === writeRoundsJson) {
      const parsed = JSON.parse(text) as { scores: unknown[] }[]
      assert.deepEqual([parsed.length, parsed.reduce((n, r) => n + r.scores.length, 0)], [20, 20_000])
    } else {
      assert.equal(parseCsv(text).length, 20_001)
    }
  }
})

test('export writers: a slow reader is waited for before the next chunk is written', async () => {
  const { rows: source } = rows(4, 5000)
  let waiting = false
  let chunks = 0
  let overlapped = 0
  await writeRoundsCsv(source, async () => {
    chunks++
    if (waiting) overlapped++
    waiting = true
    await new Promise((resolve) => setTimeout(resolve, 5))
    waiting = false
  })
  assert.ok(chunks > 2, `${chunks} chunks`)
  assert.equal(overlapped, 0, 'no chunk written while the reader was still busy with the previous one')
})

test('csv: a field is quoted only when it holds a comma, a quote or a line break, quotes doubled', () => {
  assert.equal(csvField('plain text'), 'plain text')
  assert.equal(csvField(null), '')
  assert.equal(csvField(42), '42')
  assert.equal(csvField(false), 'false')
  assert.equal(csvField('a,b'), '"a,b"')
  assert.equal(csvField('say "hi"'), '"say ""hi"""')
  assert.equal(csvField('one\ntwo'), '"one\ntwo"')
  assert.equal(csvField('one\r\ntwo'), '"one\r\ntwo"')
})

test('csv: text from a hostile server that a spreadsheet would run as a formula starts with a quote', () => {
  for (const formula of ['=1+1', '+1', '-1+2', '@SUM(A1)', '\t=1', '=a,"b"'])
    assert.equal(parseCsv(csvHostileText(formula))[0]![0], `'${formula}`, formula)
  assert.equal(csvHostileText('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`)
  assert.equal(csvHostileText('connection refused'), 'connection refused')
  assert.equal(csvHostileText(null), '')
})

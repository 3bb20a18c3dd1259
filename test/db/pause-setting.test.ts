import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { tempDir } from '../helpers/engine.ts'

test('pause: seen by every connection to the database, kept as first set when set again, lifted by resume', (t) => {
  const file = join(tempDir(t), 'scanner.db')
  const a = Store.open(file)
  const b = Store.open(file)
  t.after(() => [a, b].forEach((s) => s.close()))
  assert.equal(b.pause(), null)
  const first = a.pauseRounds('router swap', 'cli')
  assert.equal(first.changed, true)
  assert.deepEqual(b.pause(), first.state)
  const again = b.pauseRounds('other reason', 'white')
  assert.deepEqual(again, { state: first.state, changed: false })
  assert.deepEqual(b.resumeRounds(), first.state)
  assert.equal(a.pause(), null)
  assert.equal(a.resumeRounds(), null, 'resuming twice is no error')
})

test('pause: a settings value written by another tool still pauses the rounds', (t) => {
  const store = Store.open(join(tempDir(t), 'scanner.db'))
  t.after(() => store.close())
  store.db.prepare(`INSERT INTO settings (key, value) VALUES ('paused', 'yes')`).run()
  assert.deepEqual(store.pause(), { since: '?', reason: 'yes', actor: '?' })
})

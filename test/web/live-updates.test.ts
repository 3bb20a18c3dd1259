import assert from 'node:assert/strict'
import { test } from 'node:test'
import { webFixture } from './web-fixture.ts'

/** Reads server-sent events of a response body until `done` says so, or fails after `ms`. */
async function readEvents(
  res: Response,
  done: (events: { event: string; data: unknown }[]) => boolean,
  ms = 5000,
): Promise<{ event: string; data: unknown }[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const events: { event: string; data: unknown }[] = []
  let buffer = ''
  const deadline = setTimeout(() => void reader.cancel(), ms)
  try {
    while (!done(events)) {
      const { value, done: ended } = await reader.read()
      if (ended) throw new Error(`the stream ended after ${events.length} events`)
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event && data) events.push({ event, data: JSON.parse(data) })
      }
    }
    return events
  } finally {
    clearTimeout(deadline)
    await reader.cancel().catch(() => undefined)
  }
}

type Cell = { id: number; in_progress: boolean; error: string | null; service: string; team: number }

test('web: /events sends a stale page the visible cells, then each change, filtered per viewer', async (t) => {
  const f = await webFixture(t)
  const res = await f.request('/events?generation=0')
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/)
  const id = f.ids['1/web']!
  let marked = false
  const events = await readEvents(res, (events) => {
    if (events.length === 1 && !marked) {
      marked = true
      f.store.markInProgress(id)
    }
    return events.length >= 2
  })
  const first = events[0]!.data as Cell[]
  assert.deepEqual(first.map((c) => `${c.team}/${c.service}`).sort(), ['1/feed', '1/web', '2/feed', '2/web'])
  for (const cell of first) assert.equal(cell.error, null, 'no error for the public')
  const second = events[1]!.data as Cell[]
  assert.deepEqual(
    second.map((c) => [c.id, c.in_progress]),
    [[id, true]],
  )
})

test('web: a page drawn from the current state gets no catch-up, and a hidden service change is not sent to the public', async (t) => {
  const f = await webFixture(t)
  const page = await (await f.request('/grid')).text()
  const generation = /data-generation="(\d+)"/.exec(page)![1]
  const res = await f.request(`/events?generation=${generation}`)
  let step = 0
  const events = await readEvents(res, (events) => {
    if (step === 0) {
      step = 1
      f.store.markInProgress(f.ids['2/db']!)
      setTimeout(() => f.store.markInProgress(f.ids['2/web']!), 700)
    }
    return events.length >= 1
  })
  assert.equal(events.length, 1)
  assert.deepEqual(
    (events[0]!.data as Cell[]).map((c) => c.id),
    [f.ids['2/web']],
    'only the public service, and no catch-up before it',
  )
})

test('web: the live state reads the database only while someone listens', async (t) => {
  const f = await webFixture(t)
  assert.equal(f.site.deps.live.listeners, 0)
  const res = await f.request('/events?generation=0')
  let listening = 0
  await readEvents(res, (events) => {
    listening = f.site.deps.live.listeners
    return events.length >= 1
  })
  assert.equal(listening, 1, 'the open stream listens')
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(f.site.deps.live.listeners, 0, 'the stream closed: nobody listens')
})

/**
 * How far a heap may grow past what is live before V8 collects it in full, once the scanner is up.
 *
 * A round's connections live long enough (hundreds in flight for most of a second) to be promoted
 * to the old generation, and they die there. V8 lets an old generation grow up to 4x what is live
 * before a full collection: a check thread's heap (29 MB live after a round of 100 x 15) grew to
 * 90-120 MB of mostly garbage, and the peak RSS with it from round to round (183 MB after the
 * first round, 276 after six, 325 after twenty). With 2x, measured on 8 rounds of 100 x 15 (one
 * worker), alternated four times: peak RSS 285-299 -> 225-247 MB, CPU per check within the noise;
 * after twenty rounds it stays at 241 MB. 1.5x kept RSS near 215 MB but cost ~7% more CPU.
 *
 * Set once the worker pool is up, not at start: while the code loads, the heaps grow from nothing
 * and a 2x limit made V8 collect again and again (start to first check 276 -> 323 ms). The flag is
 * process-wide: it applies to the main thread and to every worker, from their next collection.
 */
import { setFlagsFromString } from 'node:v8'

export const HEAP_GROWING_PERCENT = 100

let limited = false

/** Limits heap growth to `HEAP_GROWING_PERCENT` past what is live; once per process. */
export function limitHeapGrowth(): void {
  if (limited) return
  limited = true
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}

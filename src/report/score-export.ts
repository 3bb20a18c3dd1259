/**
 * The output of `scanner export`: JSON (the shape of SPEC section 5: an array of rounds, each with
 * its scores) or CSV (one line per score with its round's columns), written as the rows are read.
 */
import type {
  ExportedExternalScore,
  ExportedRound,
  ExportedScore,
  RoundScoreRow,
} from '../../db/score-export.ts'
import { csvField, csvHostileText, csvLine } from './csv.ts'

/** Where output goes: a promise when the reader is slower than us (wait for it, don't buffer). */
export type Sink = (chunk: string) => void | Promise<void>

const CHUNK_CHARS = 64 * 1024

/** Writes text pieces in chunks of about 64 KiB, waiting for the reader when it asks to. */
async function pump(pieces: Iterable<string>, write: Sink): Promise<void> {
  let buffer = ''
  for (const piece of pieces) {
    buffer += piece
    if (buffer.length < CHUNK_CHARS) continue
    const wait = write(buffer)
    buffer = ''
    if (wait) await wait
  }
  if (buffer) await write(buffer)
}

/**
 * `[{ round, started_at, finished_at, status, scores: [{ team, service, score, raw_score, up,
 * stage, error, duration_ms }] }]`, a round per line and a score per line.
 */
function* roundsJson(rows: Iterable<RoundScoreRow>): Generator<string> {
  yield '['
  let current: ExportedRound | null = null
  let scores = 0
  for (const { round, score } of rows) {
    if (round !== current) {
      if (current) yield scores > 0 ? '\n  ]}' : ']}'
      yield `${current ? ',' : ''}\n  ${JSON.stringify(round).slice(0, -1)},"scores":[`
      current = round
      scores = 0
    }
    if (score) yield `${scores++ > 0 ? ',' : ''}\n    ${JSON.stringify(score)}`
  }
  if (current) yield scores > 0 ? '\n  ]}' : ']}'
  yield current ? '\n]\n' : ']\n'
}

const SCORE_COLUMNS = ['team', 'service', 'score', 'raw_score', 'up', 'stage', 'error', 'duration_ms']

function scoreFields(s: ExportedScore): string[] {
  return [
    csvField(s.team),
    csvField(s.service),
    csvField(s.score),
    csvField(s.raw_score),
    csvField(s.up),
    csvField(s.stage),
    csvHostileText(s.error),
    csvField(s.duration_ms),
  ]
}

/** A header line, then a line per score: the round's columns, then the score's. */
function* roundsCsv(rows: Iterable<RoundScoreRow>): Generator<string> {
  yield csvLine(['round', 'started_at', 'finished_at', 'status', ...SCORE_COLUMNS])
  for (const { round, score } of rows) {
    if (!score) continue
    const { round: id, started_at, finished_at, status } = round
    yield csvLine([
      csvField(id),
      csvField(started_at),
      csvField(finished_at),
      csvField(status),
      ...scoreFields(score),
    ])
  }
}

/** External scores: an array of scores, each with its `id` and `created_at`, one per line. */
function* externalJson(rows: Iterable<ExportedExternalScore>): Generator<string> {
  yield '['
  let n = 0
  for (const score of rows) yield `${n++ > 0 ? ',' : ''}\n  ${JSON.stringify(score)}`
  yield n > 0 ? '\n]\n' : ']\n'
}

/** External scores: `id`, `created_at`, then the score's columns. */
function* externalCsv(rows: Iterable<ExportedExternalScore>): Generator<string> {
  yield csvLine(['id', 'created_at', ...SCORE_COLUMNS])
  for (const s of rows) yield csvLine([csvField(s.id), csvField(s.created_at), ...scoreFields(s)])
}

export const writeRoundsJson = (rows: Iterable<RoundScoreRow>, write: Sink) => pump(roundsJson(rows), write)
export const writeRoundsCsv = (rows: Iterable<RoundScoreRow>, write: Sink) => pump(roundsCsv(rows), write)
export const writeExternalJson = (rows: Iterable<ExportedExternalScore>, write: Sink) =>
  pump(externalJson(rows), write)
export const writeExternalCsv = (rows: Iterable<ExportedExternalScore>, write: Sink) =>
  pump(externalCsv(rows), write)

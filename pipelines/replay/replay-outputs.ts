import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { requestOf } from '../../operators/replay/row-map.rules.js'
import {
  findRun,
  markPublished,
  moveRun,
} from '../../storage/postgres/replay/replay-run.repository.js'
import {
  countRows,
  deleteRows,
  runRows,
} from '../../storage/postgres/replay/replay-row.repository.js'
import type {
  ReplayOutputs,
  ReplayRowRow,
  ReplayRunRow,
} from '../../storage/postgres/replay/replay-run.table.js'
import { storeFile, type StoredFile } from '../files/stored-files.js'
import type { ReplayDeps } from './deps.js'
import { releaseUpload } from './run-end.js'

/** The five output files, in the order they are listed. */
export const OUTPUT_TYPES = [
  'requests',
  'responses',
  'requests-validated',
  'warnings',
  'exceptions',
] as const
type OutputType = (typeof OUTPUT_TYPES)[number]

/** Rows read at once when the outputs are written. */
const PAGE = 2000
/** Characters of a response body kept in the `responses` file. */
export const RESPONSE_CHARS = 500

/** A text without tabs or line breaks, as a field of a tab-separated line. */
const field = (text: string) => (/[\t\r\n]/.test(text) ? text.replace(/[\t\r\n]+/g, ' ') : text)

/**
 * A file's lines gathered as UTF-8 bytes: each written into a buffer as it comes (joining a
 * page's lines and then encoding them took twice as long).
 */
class LineBytes {
  private buffer = Buffer.allocUnsafe(64 * 1024)
  private used = 0

  push(line: string): void {
    const most = line.length * 3 // UTF-8 bytes of a UTF-16 unit, at the most
    if (this.used + most > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.used + most))
      this.buffer.copy(bigger, 0, 0, this.used)
      this.buffer = bigger
    }
    this.used += this.buffer.write(line, this.used)
  }

  /** The bytes gathered; the next lines go into a new buffer. */
  take(): Buffer {
    const bytes = this.buffer.subarray(0, this.used)
    this.buffer = Buffer.allocUnsafe(this.buffer.length)
    this.used = 0
    return bytes
  }
}

/** Lines for each file, as they are gathered. */
type Lines = Record<OutputType, LineBytes>

/** Adds the lines of a row to each file's (deterministic: the same row and client, the same bytes). */
function addLines(run: ReplayRunRow, row: OutputRow, lines: Lines): void {
  if (row.payload !== null) {
    const request = requestOf(run.client_config, row.payload)
    lines.requests.push(
      request.body === undefined
        ? `${row.row}\t${request.method}\t${request.url}\n`
        : `${row.row}\t${request.method}\t${request.url}\t${request.body}\n`,
    )
    lines['requests-validated'].push(`${JSON.stringify({ row: row.row, payload: row.payload })}\n`)
  }
  if (row.status === 'succeeded' || row.status === 'failed')
    lines.responses.push(
      `${row.row}\t${row.http_status ?? 'none'}\t${row.elapsed_ms ?? 0}ms\t${row.attempts ?? 0}\t${field(row.response ?? '')}\n`,
    )
  for (const note of row.notes) {
    if (note.kind === 'warning')
      lines.warnings.push(
        `${row.row}\t${field(note.column)}\t${note.handler}\t${field(note.message)}\n`,
      )
    else
      lines.exceptions.push(
        `${row.row}\t${field(note.column)}\t${note.handler}\t${note.code ?? ''}\t${field(note.message)}\n`,
      )
  }
}

/** A file's name: `{client}-{type}-{token}-{date}.txt`, the date the run was made (UTC). */
export const outputName = (run: ReplayRunRow, type: OutputType) =>
  `${run.client}-${type}-${run.token}-${run.created_at.toISOString().slice(0, 10)}.txt`

/** What the files take of a row (a row that was not fired has no request's figures). */
export type OutputRow = Pick<ReplayRowRow, 'row' | 'status' | 'payload' | 'notes'> &
  Partial<Pick<ReplayRowRow, 'http_status' | 'elapsed_ms' | 'attempts' | 'response'>>

/** The five files of a run, written as rows are added, kept in the filestore when closed. */
export interface OutputWriter {
  /** Adds rows (in row order) to every file. */
  add(rows: readonly OutputRow[]): Promise<void>
  /** Ends the files and gives them as the run keeps them. */
  close(): Promise<ReplayOutputs>
  /** Gives the files up (nothing is kept). */
  abort(): void
}

/** The five files of `run`, streamed into the filestore as rows are added. */
export function outputWriter(deps: ReplayDeps, run: ReplayRunRow): OutputWriter {
  const streams = Object.fromEntries(OUTPUT_TYPES.map((t) => [t, new PassThrough()])) as Record<
    OutputType,
    PassThrough
  >
  const stored = OUTPUT_TYPES.map((type) =>
    storeFile(
      deps,
      {
        source: streams[type],
        name: outputName(run, type),
        contentType: 'text/plain; charset=utf-8',
        createdBy: run.created_by,
      },
      Number.MAX_SAFE_INTEGER,
    ),
  )
  for (const s of stored) s.catch(() => undefined) // awaited when closed, or given up
  const lines = Object.fromEntries(OUTPUT_TYPES.map((t) => [t, new LineBytes()])) as Lines
  return {
    add: async (rows) => {
      for (const row of rows) addLines(run, row, lines)
      for (const type of OUTPUT_TYPES)
        if (!streams[type].write(lines[type].take())) await once(streams[type], 'drain')
    },
    close: async () => {
      for (const type of OUTPUT_TYPES) streams[type].end()
      const files: StoredFile[] = await Promise.all(stored)
      return Object.fromEntries(
        OUTPUT_TYPES.map((type, i) => {
          const f = files[i] as StoredFile
          return [
            type,
            { fileStoreId: f.fileStoreId, name: f.name, bytes: f.bytes, sha256: f.sha256 },
          ]
        }),
      ) as ReplayOutputs
    },
    abort: () => {
      for (const type of OUTPUT_TYPES) streams[type].destroy()
    },
  }
}

/**
 * Publishes `replay_completed` for a live run that completed, once it is recorded as published
 * (at least once: a crash between the two publishes it again, with the same `replayId`).
 */
async function publishCompleted(deps: ReplayDeps, run: ReplayRunRow): Promise<void> {
  if (run.dry_run || run.status !== 'completed' || run.published_at !== null) return
  await deps.redis.xadd(
    deps.keys.replayCompleted,
    '*',
    'replayId',
    run.id,
    'client',
    run.client,
    'rows',
    String(run.rows),
    'fromDate',
    run.from_date ?? '',
    'toDate',
    run.to_date ?? '',
  )
  await markPublished(deps.db, run.id, new Date(deps.clock.now()))
}

/**
 * Ends a run: writes its five files into the filestore (every row in order), deletes its rows
 * and a live run's upload (the files keep them), publishes `replay_completed` for a live run,
 * and records it as `status` (`completed`, or `refused` with `error`). Safe to run again after a
 * crash: a run already ended is left alone.
 */
export async function finishRun(
  deps: ReplayDeps,
  runId: string,
  end: { status: 'completed' | 'refused'; error?: string },
): Promise<ReplayRunRow | undefined> {
  const current = await findRun(deps.db, runId)
  if (current === undefined) return undefined
  if (!['validating', 'firing', 'writing'].includes(current.status)) {
    // It ended before a crash let it publish and delete its rows.
    await publishCompleted(deps, current)
    await deleteRows(deps.db, runId)
    await releaseUpload(deps, current)
    return current
  }
  const run = await countRows(deps.db, runId)
  const writer = outputWriter(deps, run)
  try {
    for (let after = 0; ;) {
      const rows = await runRows(deps.db, runId, after, PAGE)
      const last = rows.at(-1)
      if (last === undefined) break
      await writer.add(rows)
      after = last.row
    }
  } catch (error) {
    writer.abort()
    throw error
  }
  const outputs = await writer.close()
  const ended = await moveRun(deps.db, runId, end.status, ['validating', 'firing', 'writing'], {
    outputs,
    finishedAt: new Date(deps.clock.now()),
    ...(end.error === undefined ? {} : { error: end.error }),
  })
  if (ended !== undefined) await publishCompleted(deps, ended)
  await deleteRows(deps.db, runId)
  if (ended !== undefined) await releaseUpload(deps, ended)
  return ended
}

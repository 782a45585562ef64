import { COLUMN_HANDLERS } from '../../operators/replay/column-handlers.rules.js'
import { mapRow } from '../../operators/replay/row-map.rules.js'
import {
  findRun,
  moveRun,
  setRunCounts,
} from '../../storage/postgres/replay/replay-run.repository.js'
import {
  countRows,
  insertRows,
  type NewRow,
} from '../../storage/postgres/replay/replay-row.repository.js'
import type { ReplayRunRow, RowNote } from '../../storage/postgres/replay/replay-run.table.js'
import { analyzeAfterBulkLoad } from '../../storage/postgres/database.js'
import { findStoredFile } from '../../storage/postgres/stored-file.repository.js'
import { readCsv, type CsvRecord } from '../files/csv-read.js'
import { FileProblem } from '../files/file-problem.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import { StopRequestedError } from '../runtime/errors.js'
import type { ReplayDeps } from './deps.js'
import { RunMessage } from './messages.js'
import { finishRun, outputWriter } from './replay-outputs.js'
import { failRun } from './run-end.js'
import { oneJobActor } from '../runtime/one-job-actor.js'

/** Rows stored at once. */
const CHUNK = 2000

/** The field whose value dates a row's event (the first mapped date or datetime column). */
function eventField(run: ReplayRunRow): string | undefined {
  return Object.values(run.client_config.mapping).find(
    (m) => m.handler === 'date' || m.handler === 'datetime',
  )?.field
}

/** A row's event date, `YYYY-MM-DD`, from its payload. */
const eventDate = (payload: Record<string, unknown> | undefined, field: string | undefined) => {
  const value = field === undefined ? undefined : payload?.[field]
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null
}

/** A CSV record as validation leaves it: its payload (or its exceptions) and its warnings. */
function validatedRow(
  record: CsvRecord,
  row: number,
  mapping: ReplayRunRow['client_config']['mapping'],
  dated: string | undefined,
): NewRow {
  if (record.problem !== undefined) {
    const { code, column, message } = record.problem
    const notes: RowNote[] = [{ kind: 'exception', column, handler: 'csv', code, message }]
    return { row, status: 'exception', payload: null, notes, eventDate: null }
  }
  const mapped = mapRow(mapping, COLUMN_HANDLERS, record.cells)
  const notes: RowNote[] = [
    ...mapped.warnings.map((w) => ({ kind: 'warning' as const, ...w })),
    ...mapped.exceptions.map((e) => ({ kind: 'exception' as const, ...e })),
  ]
  return {
    row,
    status: mapped.payload === undefined ? 'exception' : 'valid',
    payload: mapped.payload ?? null,
    notes,
    eventDate: eventDate(mapped.payload, dated),
  }
}

/** A run's counts as its rows are validated, told to Postgres about once a second (progress). */
function tally(deps: ReplayDeps, runId: string) {
  const counts = {
    rows: 0,
    valid: 0,
    warnings: 0,
    exceptions: 0,
    fromDate: null as string | null,
    toDate: null as string | null,
  }
  let toldAt = deps.clock.now()
  return {
    counts,
    add(row: NewRow): void {
      counts.rows++
      if (row.status === 'valid') counts.valid++
      else counts.exceptions++
      if (row.notes.some((n) => n.kind === 'warning')) counts.warnings++
      const date = row.eventDate
      if (date !== null) {
        if (counts.fromDate === null || date < counts.fromDate) counts.fromDate = date
        if (counts.toDate === null || date > counts.toDate) counts.toDate = date
      }
    },
    /** Records the counts so far when a second has passed since they last were. */
    async tell(): Promise<void> {
      if (deps.clock.now() - toldAt < 1000) return
      toldAt = deps.clock.now()
      await setRunCounts(deps.db, runId, counts)
    },
  }
}

/**
 * A dry run in one pass: each row mapped and written to the files as it is read, counted, and
 * not stored (a live run of the same file stores its own).
 */
async function dryRun(deps: ReplayDeps, run: ReplayRunRow, fileKey: string): Promise<Effect> {
  const writer = outputWriter(deps, run)
  const progress = tally(deps, run.id)
  let chunk: NewRow[] = []
  const dated = eventField(run)
  try {
    await readCsv(deps.files.read(fileKey), {}, async (records) => {
      for await (const record of records) {
        const row = validatedRow(record, progress.counts.rows + 1, run.client_config.mapping, dated)
        progress.add(row)
        chunk.push(row)
        if (chunk.length === CHUNK) {
          await writer.add(chunk)
          chunk = []
          await progress.tell()
          if (deps.stopping?.aborted === true)
            throw new StopRequestedError('the worker is stopping; the run is handed over')
        }
      }
    })
    await writer.add(chunk)
  } catch (error) {
    writer.abort()
    if (!(error instanceof FileProblem)) throw error
    await failRun(deps, run.id, ['validating'], `The file cannot be read: ${error.message}`)
    return {}
  }
  const outputs = await writer.close()
  const { counts } = progress
  await setRunCounts(deps.db, run.id, counts)
  await moveRun(deps.db, run.id, 'completed', ['validating'], {
    outputs,
    finishedAt: new Date(deps.clock.now()),
  })
  deps.metrics?.replay.rows.inc({ outcome: 'valid' }, counts.valid)
  deps.metrics?.replay.rows.inc({ outcome: 'exception' }, counts.exceptions)
  return {}
}

/**
 * Validates a run's rows: each CSV row through its column handlers, stored with its payload (or
 * its exceptions) and warnings. Then a dry run ends (its files written); a live one is refused
 * when its exceptions exceed its rate (unless forced), or queued to fire.
 */
export async function validateRun(deps: ReplayDeps, runId: string): Promise<Effect> {
  const run = await findRun(deps.db, runId)
  if (run === undefined) return {}
  if (run.status === 'firing' || run.status === 'writing')
    return { commit: (tx) => tx.xadd(deps.keys.replayFire, '*', 'runId', runId) }
  if (run.status !== 'validating') return {}
  const file = await findStoredFile(deps.db, run.file_store_id)
  if (file === undefined) {
    await failRun(deps, runId, ['validating'], 'Its file is no longer kept')
    return {}
  }
  if (run.dry_run) return dryRun(deps, run, file.file_key)
  const mapping = run.client_config.mapping
  const dated = eventField(run)
  const progress = tally(deps, runId)
  let chunk: NewRow[] = []
  try {
    await readCsv(deps.files.read(file.file_key), {}, async (records) => {
      for await (const record of records) {
        const stored = validatedRow(record, progress.counts.rows + 1, mapping, dated)
        progress.add(stored)
        chunk.push(stored)
        if (chunk.length === CHUNK) {
          await insertRows(deps.db, runId, chunk)
          chunk = []
          await progress.tell()
          if (deps.stopping?.aborted === true)
            throw new StopRequestedError('the worker is stopping; the run is handed over')
        }
      }
    })
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error
    await failRun(deps, runId, ['validating'], `The file cannot be read: ${error.message}`)
    return {}
  }
  await insertRows(deps.db, runId, chunk)
  const counted = await countRows(deps.db, runId)
  // Planned on empty statistics, recording outcomes scanned the whole table each time.
  await analyzeAfterBulkLoad(deps.db, ['replay_row'], counted.rows)
  deps.metrics?.replay.rows.inc({ outcome: 'valid' }, counted.valid)
  deps.metrics?.replay.rows.inc({ outcome: 'exception' }, counted.exceptions)
  const rate = Number(counted.max_exception_rate)
  if (!counted.forced && counted.rows > 0 && counted.exceptions / counted.rows > rate) {
    const share = ((100 * counted.exceptions) / counted.rows).toFixed(1)
    await finishRun(deps, runId, {
      status: 'refused',
      error: `${counted.exceptions} of ${counted.rows} rows (${share}%) are exceptions, more than the ${(100 * rate).toFixed(1)}% allowed: nothing was fired; fix the file, or force the run`,
    })
    return {}
  }
  await moveRun(deps.db, runId, 'firing', ['validating'])
  return { commit: (tx) => tx.xadd(deps.keys.replayFire, '*', 'runId', runId) }
}

/** The validating actor: one run at a time from `replay:{runs}:validate`. */
export function replayValidateActor(deps: ReplayDeps): ActorDefinition<RunMessage> {
  return oneJobActor({
    name: 'replay-validate',
    stream: deps.keys.replayValidate,
    schema: RunMessage,
    run: ({ runId }) => validateRun(deps, runId),
    deadLettered: async (entries) => {
      for (const { value, error } of entries)
        await failRun(deps, value.runId, ['validating', 'firing', 'writing'], error)
    },
  })
}

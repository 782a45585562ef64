import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ReplayRowRow, ReplayRunRow, RowNote } from './replay-run.table.js'

// The rows of a replay run while it lasts: stored when validated, fired, counted, deleted.

/** A row as validation leaves it. */
export interface NewRow {
  row: number
  status: 'valid' | 'exception'
  payload: Record<string, unknown> | null
  notes: RowNote[]
  eventDate: string | null
}

/** Stores validated rows (again after a redelivery: rows stored already are kept). */
export async function insertRows(
  db: Kysely<Database>,
  runId: string,
  rows: readonly NewRow[],
): Promise<void> {
  if (rows.length === 0) return
  await sql`
    INSERT INTO replay_row (run_id, row, status, payload, notes, event_date)
    SELECT ${runId}, r.row, r.status, r.payload::json, r.notes::jsonb, r.event_date
    FROM unnest(${rows.map((r) => r.row)}::int[], ${rows.map((r) => r.status)}::text[],
      ${rows.map((r) => (r.payload === null ? null : JSON.stringify(r.payload)))}::text[],
      ${rows.map((r) => JSON.stringify(r.notes))}::text[],
      ${rows.map((r) => r.eventDate)}::text[]) AS r(row, status, payload, notes, event_date)
    ON CONFLICT (run_id, row) DO NOTHING`.execute(db)
}

/** Sets a run's counts from its rows (and the range of their event dates). */
export async function countRows(db: Kysely<Database>, runId: string): Promise<ReplayRunRow> {
  await sql`
    UPDATE replay_run SET
      rows = c.rows, valid = c.valid, warnings = c.warnings, exceptions = c.exceptions,
      fired = c.fired, succeeded = c.succeeded, failed = c.failed,
      from_date = c.from_date, to_date = c.to_date
    FROM (
      SELECT count(*)::int AS rows,
        count(*) FILTER (WHERE status <> 'exception')::int AS valid,
        count(*) FILTER (WHERE notes @> '[{"kind":"warning"}]')::int AS warnings,
        count(*) FILTER (WHERE status = 'exception')::int AS exceptions,
        count(*) FILTER (WHERE status IN ('succeeded', 'failed'))::int AS fired,
        count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
        count(*) FILTER (WHERE status = 'failed')::int AS failed,
        min(event_date) AS from_date, max(event_date) AS to_date
      FROM replay_row WHERE run_id = ${runId}
    ) c
    WHERE id = ${runId}`.execute(db)
  return db.selectFrom('replay_run').selectAll().where('id', '=', runId).executeTakeFirstOrThrow()
}

/** Rows of a run from `afterRow` on, in order (all of them, or those still to fire). */
export async function runRows(
  db: Kysely<Database>,
  runId: string,
  afterRow: number,
  limit: number,
  onlyWaiting = false,
): Promise<ReplayRowRow[]> {
  let query = db
    .selectFrom('replay_row')
    .selectAll()
    .where('run_id', '=', runId)
    .where('row', '>', afterRow)
    .orderBy('row')
    .limit(limit)
  if (onlyWaiting) query = query.where('status', '=', 'valid')
  return query.execute()
}

/** What firing a row ended in. */
export interface RowOutcome {
  row: number
  status: 'succeeded' | 'failed'
  attempts: number
  httpStatus: number | null
  elapsedMs: number
  response: string
}

/** Records fired rows' outcomes (a row acknowledged is never fired again). */
export async function recordOutcomes(
  db: Kysely<Database>,
  runId: string,
  outcomes: readonly RowOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return
  await sql`
    UPDATE replay_row r SET status = o.status, attempts = o.attempts, http_status = o.http_status,
      elapsed_ms = o.elapsed_ms, response = o.response
    FROM unnest(${outcomes.map((o) => o.row)}::int[], ${outcomes.map((o) => o.status)}::text[],
      ${outcomes.map((o) => o.attempts)}::int[], ${outcomes.map((o) => o.httpStatus)}::int[],
      ${outcomes.map((o) => o.elapsedMs)}::int[], ${outcomes.map((o) => o.response)}::text[])
      AS o(row, status, attempts, http_status, elapsed_ms, response)
    WHERE r.run_id = ${runId} AND r.row = o.row AND r.status = 'valid'`.execute(db)
}

/** Deletes a finished run's rows (its output files keep them). */
export async function deleteRows(db: Kysely<Database>, runId: string): Promise<void> {
  await db.deleteFrom('replay_row').where('run_id', '=', runId).execute()
}

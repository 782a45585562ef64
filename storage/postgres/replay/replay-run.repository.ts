import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type {
  ReplayClientConfig,
  ReplayOutputs,
  ReplayRowRow,
  ReplayRunRow,
  ReplayRunStatus,
  RowNote,
} from './replay-run.table.js'

/** A run to make. */
export interface NewRun {
  id: string
  client: string
  dryRun: boolean
  token: string
  fileStoreId: string
  fileSha256: string
  clientConfig: ReplayClientConfig
  sourceRunId: string | null
  maxExceptionRate: number
  forced: boolean
  ratePerSecond: number | null
  createdBy: string
  createdAt: Date
}

/**
 * Makes a run, or finds the unfinished one of the same client, file and mode (running the same
 * command again resumes it); `created` tells which.
 */
export async function createRun(
  db: Kysely<Database>,
  run: NewRun,
): Promise<{ run: ReplayRunRow; created: boolean }> {
  const made = await db
    .insertInto('replay_run')
    .values({
      id: run.id,
      client: run.client,
      dry_run: run.dryRun,
      status: 'validating',
      token: run.token,
      file_store_id: run.fileStoreId,
      file_sha256: run.fileSha256,
      client_config: JSON.stringify(run.clientConfig),
      source_run_id: run.sourceRunId,
      max_exception_rate: String(run.maxExceptionRate),
      forced: run.forced,
      rate_per_second: run.ratePerSecond,
      from_date: null,
      to_date: null,
      error: null,
      created_by: run.createdBy,
      created_at: run.createdAt,
      finished_at: null,
    })
    .onConflict((oc) =>
      oc
        .columns(['client', 'file_sha256', 'dry_run'])
        .where('status', 'in', ['validating', 'firing', 'writing'])
        .doNothing(),
    )
    .returningAll()
    .executeTakeFirst()
  if (made !== undefined) return { run: made, created: true }
  const existing = await db
    .selectFrom('replay_run')
    .selectAll()
    .where('client', '=', run.client)
    .where('file_sha256', '=', run.fileSha256)
    .where('dry_run', '=', run.dryRun)
    .where('status', 'in', ['validating', 'firing', 'writing'])
    .executeTakeFirstOrThrow()
  return { run: existing, created: false }
}

/** A run, if any. */
export async function findRun(db: Kysely<Database>, id: string): Promise<ReplayRunRow | undefined> {
  return db.selectFrom('replay_run').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Runs, newest first (one client's when given), after `before` when paging. */
export async function listRuns(
  db: Kysely<Database>,
  filter: { client?: string | undefined },
  page: { limit: number; before?: { createdAt: Date; id: string } | undefined },
): Promise<ReplayRunRow[]> {
  let query = db
    .selectFrom('replay_run')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
  if (filter.client !== undefined) query = query.where('client', '=', filter.client)
  const before = page.before
  if (before !== undefined)
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    )
  return query.execute()
}

/** Moves a run on from one of `from`; undefined when it is elsewhere. */
export async function moveRun(
  db: Kysely<Database>,
  id: string,
  to: ReplayRunStatus,
  from: readonly ReplayRunStatus[],
  extra: { error?: string; outputs?: ReplayOutputs; finishedAt?: Date } = {},
): Promise<ReplayRunRow | undefined> {
  return db
    .updateTable('replay_run')
    .set({
      status: to,
      ...(extra.error === undefined ? {} : { error: extra.error }),
      ...(extra.outputs === undefined ? {} : { outputs: JSON.stringify(extra.outputs) }),
      ...(extra.finishedAt === undefined ? {} : { finished_at: extra.finishedAt }),
    })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst()
}

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

/** The unfinished run of a client, file and mode, if any (to resume it). */
export async function unfinishedRun(
  db: Kysely<Database>,
  client: string,
  fileSha256: string,
  dryRun: boolean,
): Promise<ReplayRunRow | undefined> {
  return db
    .selectFrom('replay_run')
    .selectAll()
    .where('client', '=', client)
    .where('file_sha256', '=', fileSha256)
    .where('dry_run', '=', dryRun)
    .where('status', 'in', ['validating', 'firing', 'writing'])
    .executeTakeFirst()
}

/** Records that `replay_completed` was published for a run. */
export async function markPublished(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db.updateTable('replay_run').set({ published_at: at }).where('id', '=', id).execute()
}

/** Sets the counts of a run whose rows were not stored (a dry run, counted as it was read). */
export async function setRunCounts(
  db: Kysely<Database>,
  id: string,
  counts: {
    rows: number
    valid: number
    warnings: number
    exceptions: number
    fromDate: string | null
    toDate: string | null
  },
): Promise<void> {
  await db
    .updateTable('replay_run')
    .set({
      rows: counts.rows,
      valid: counts.valid,
      warnings: counts.warnings,
      exceptions: counts.exceptions,
      from_date: counts.fromDate,
      to_date: counts.toDate,
    })
    .where('id', '=', id)
    .execute()
}

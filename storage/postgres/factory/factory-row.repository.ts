import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { FactoryRowRow, FactoryRowStatus, RowError } from './factory.table.js'

/** A validated row to store. */
export interface NewFactoryRow {
  row: number
  line: number
  cells: Record<string, string>
  status: 'VALID' | 'INVALID'
  errors: RowError[]
  clientReferenceId: string
}

/** Stores a job's validated rows; rows it has already (a run again after a crash) stay. */
export async function insertRows(
  db: Kysely<Database>,
  jobId: string,
  rows: NewFactoryRow[],
): Promise<void> {
  if (rows.length === 0) return
  await sql`
    INSERT INTO factory_row (job_id, row, line, cells, status, errors, client_reference_id)
    SELECT ${jobId}::uuid, r.row, r.line, r.cells, r.status, r.errors, r.ref
    FROM unnest(${rows.map((r) => r.row)}::int[], ${rows.map((r) => r.line)}::int[],
      ${rows.map((r) => JSON.stringify(r.cells))}::jsonb[], ${rows.map((r) => r.status)}::text[],
      ${rows.map((r) => JSON.stringify(r.errors))}::jsonb[], ${rows.map((r) => r.clientReferenceId)}::text[])
      AS r(row, line, cells, status, errors, ref)
    ON CONFLICT (job_id, row) DO NOTHING
  `.execute(db)
}

/**
 * Marks the rows whose `column` value (by its header `name` in the stored cells, compared
 * trimmed and ignoring case) another row of the job has too: each becomes INVALID with a
 * `duplicate` error naming the first row. Idempotent. Returns how many rows it marked.
 */
export async function markDuplicates(
  db: Kysely<Database>,
  jobId: string,
  column: { name: string; label: string },
): Promise<number> {
  const error = (first: unknown) =>
    sql`jsonb_build_array(jsonb_build_object('column', ${column.label}::text, 'code', 'duplicate',
      'message', ${column.label}::text || ' repeats row ' || ${first}))`
  const result = await sql`
    WITH v AS (
      SELECT row, lower(btrim(cells ->> ${column.name})) AS value FROM factory_row
      WHERE job_id = ${jobId}::uuid AND coalesce(btrim(cells ->> ${column.name}), '') <> ''
    ), d AS (
      SELECT row, min(row) OVER (PARTITION BY value) AS first FROM v
    )
    UPDATE factory_row f SET status = 'INVALID', errors = f.errors || ${error(sql`d.first`)}
    FROM d
    WHERE f.job_id = ${jobId}::uuid AND f.row = d.row AND d.row <> d.first
      AND NOT f.errors @> jsonb_build_array(jsonb_build_object('code', 'duplicate', 'column', ${column.label}::text))
  `.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/** A page of a job's rows in row order, after row `after`. */
export async function rowsPage(
  db: Kysely<Database>,
  jobId: string,
  after: number,
  limit: number,
  statuses?: readonly FactoryRowStatus[],
): Promise<FactoryRowRow[]> {
  let query = db
    .selectFrom('factory_row')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('row', '>', after)
    .orderBy('row')
    .limit(limit)
  if (statuses !== undefined) query = query.where('status', 'in', statuses)
  return query.execute()
}

/** Rows waiting for creation whose next attempt is due at `now`, in row order. */
export async function dueRows(
  db: Kysely<Database>,
  jobId: string,
  now: Date,
  limit: number,
): Promise<FactoryRowRow[]> {
  return db
    .selectFrom('factory_row')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('status', '=', 'VALID')
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
    .orderBy('row')
    .limit(limit)
    .execute()
}

/** When the next row waiting for a retry is due; undefined when none waits. */
export async function nextAttemptAt(
  db: Kysely<Database>,
  jobId: string,
): Promise<Date | undefined> {
  const row = await db
    .selectFrom('factory_row')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('job_id', '=', jobId)
    .where('status', '=', 'VALID')
    .executeTakeFirst()
  return row?.at ?? undefined
}

/** What became of one row's creation attempt. */
export interface RowOutcome {
  row: number
  status: 'VALID' | 'CREATED' | 'EXISTING' | 'FAILED'
  createdId?: string | undefined
  /** Counted as an attempt at the target. */
  attempted: boolean
  error?: RowError | undefined
  nextAttemptAt?: Date | undefined
}

/** Records outcomes of creation attempts in one statement. */
export async function recordOutcomes(
  db: Kysely<Database>,
  jobId: string,
  outcomes: RowOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return
  await sql`
    UPDATE factory_row f SET
      status = o.status,
      created_id = coalesce(o.created_id, f.created_id),
      attempts = f.attempts + o.attempted::int,
      last_error = coalesce(o.error ->> 'message', f.last_error),
      errors = CASE WHEN o.status = 'FAILED' AND o.error IS NOT NULL
        THEN f.errors || jsonb_build_array(o.error) ELSE f.errors END,
      next_attempt_at = o.next_at
    FROM unnest(${outcomes.map((o) => o.row)}::int[], ${outcomes.map((o) => o.status)}::text[],
      ${outcomes.map((o) => o.createdId ?? null)}::text[], ${outcomes.map((o) => o.attempted)}::boolean[],
      ${outcomes.map((o) => (o.error === undefined ? null : JSON.stringify(o.error)))}::jsonb[],
      ${outcomes.map((o) => o.nextAttemptAt ?? null)}::timestamptz[])
      AS o(row, status, created_id, attempted, error, next_at)
    WHERE f.job_id = ${jobId}::uuid AND f.row = o.row
  `.execute(db)
}

/** Makes a job's FAILED rows wait for creation again, with their attempts reset. */
export async function retryFailedRows(db: Kysely<Database>, jobId: string): Promise<number> {
  const result = await sql`
    UPDATE factory_row SET status = 'VALID', attempts = 0, next_attempt_at = NULL,
      errors = '[]'::jsonb, last_error = NULL
    WHERE job_id = ${jobId}::uuid AND status = 'FAILED'
  `.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/** The errors (row, line, column, code, message) of a page of `limit` failed rows after row `after`. */
export async function rowErrorsPage(
  db: Kysely<Database>,
  jobId: string,
  after: number,
  limit: number,
): Promise<{ row: number; line: number; column: string; code: string; message: string }[]> {
  const result = await sql<{
    row: number
    line: number
    column: string
    code: string
    message: string
  }>`
    SELECT f.row, f.line, e ->> 'column' AS column, e ->> 'code' AS code, e ->> 'message' AS message
    FROM (
      SELECT row, line, errors FROM factory_row
      WHERE job_id = ${jobId}::uuid AND row > ${after} AND status IN ('INVALID', 'FAILED')
      ORDER BY row LIMIT ${limit}
    ) f, jsonb_array_elements(f.errors) e
    ORDER BY f.row
  `.execute(db)
  return result.rows
}

/**
 * Counts an attempt on rows before they are sent for creation, so that a row found at the
 * target after a crash mid-call is known to be this job's (CREATED), not one that was there
 * before (EXISTING).
 */
export async function markAttempted(
  db: Kysely<Database>,
  jobId: string,
  rows: readonly number[],
): Promise<void> {
  if (rows.length === 0) return
  await sql`
    UPDATE factory_row SET attempts = attempts + 1
    WHERE job_id = ${jobId}::uuid AND row = ANY(${rows}::int[])
  `.execute(db)
}

import { sql, type Kysely, type Selectable } from 'kysely'
import type { Database } from './database.js'

/** The columns that make a table a file job: a file worked on in the background. */
interface FileJobColumns {
  id: string
  status: unknown
  rows_read: unknown
  error: string | null
  dead_lettered: unknown
  completed_at: Date | null
}

/**
 * Tables of files worked on in the background (uploads, do-not-call imports, and any job's
 * table with the {@link FileJobColumns}): each has `id`, `status` (`accepted`, `processing`,
 * `completed`, `failed`), `rows_read`, `error`, `completed_at` and `dead_lettered`.
 */
export type FileJobTable = {
  [T in keyof Database]: Database[T] extends FileJobColumns ? T : never
}[keyof Database]

/**
 * Every table whose rows own stored files, by its column of file keys: a file no row names is
 * an orphan (an upload cut short by a crash, say). A job that stores files adds its table here.
 */
const FILE_OWNERS = [
  { table: 'upload_request', column: 'file_key' },
  { table: 'do_not_call_import', column: 'file_key' },
  { table: 'stored_file', column: 'file_key' },
] as const satisfies readonly { table: FileOwnerTable; column: 'file_key' }[]

/** Tables with a `file_key` column. */
type FileOwnerTable = {
  [T in keyof Database]: Database[T] extends { file_key: string } ? T : never
}[keyof Database]

/** Which of `keys` a row of any table that owns files names. */
export async function ownedFileKeys(db: Kysely<Database>, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set()
  const owned = await sql<{ key: string }>`
    ${sql.join(
      FILE_OWNERS.map(
        (o) =>
          sql`SELECT ${sql.ref(o.column)} AS key FROM ${sql.table(o.table)} WHERE ${sql.ref(o.column)} = ANY(${keys}::text[])`,
      ),
      sql` UNION `,
    )}
  `.execute(db)
  return new Set(owned.rows.map((r) => r.key))
}

/**
 * Moves a file job to `processing` unless it finished already (one failed by a dead letter has
 * not: that dead letter was replayed); returns the row.
 */
export async function startFileJob<T extends FileJobTable>(
  db: Kysely<Database>,
  table: T,
  id: string,
): Promise<Selectable<Database[T]> | undefined> {
  const again = sql<boolean>`status NOT IN ('completed', 'failed') OR dead_lettered`
  const result = await sql<Selectable<Database[T]>>`
    UPDATE ${sql.table(table)} SET
      status = CASE WHEN ${again} THEN 'processing' ELSE status END,
      error = CASE WHEN ${again} THEN NULL ELSE error END,
      completed_at = CASE WHEN ${again} THEN NULL ELSE completed_at END,
      rows_read = CASE WHEN ${again} THEN 0 ELSE rows_read END,
      dead_lettered = false
    WHERE id = ${id}::uuid
    RETURNING *
  `.execute(db)
  return result.rows[0]
}

/**
 * Fails the file jobs whose queue entries were dead-lettered (those not finished yet) with the
 * reason; replaying the dead letter runs them again.
 */
export async function failFileJobsDeadLettered(
  db: Kysely<Database>,
  table: FileJobTable,
  failures: { id: string; error: string }[],
  at: Date,
): Promise<void> {
  if (failures.length === 0) return
  await sql`
    UPDATE ${sql.table(table)} j
    SET status = 'failed', error = f.error, completed_at = ${at}, dead_lettered = true
    FROM unnest(${failures.map((f) => f.id)}::uuid[], ${failures.map((f) => f.error)}::text[])
      AS f(id, error)
    WHERE j.id = f.id AND j.status IN ('accepted', 'processing')
  `.execute(db)
}

/** Ids of the table's jobs accepted or interrupted, to queue again after Redis was lost. */
export async function unfinishedFileJobs(
  db: Kysely<Database>,
  table: FileJobTable,
): Promise<string[]> {
  const result = await sql<{ id: string }>`
    SELECT id FROM ${sql.table(table)} WHERE status IN ('accepted', 'processing')
  `.execute(db)
  return result.rows.map((r) => r.id)
}

/** Records how many rows of a file job the run under way has stored. */
export async function recordFileJobProgress(
  db: Kysely<Database>,
  table: FileJobTable,
  id: string,
  rowsRead: number,
): Promise<void> {
  await sql`
    UPDATE ${sql.table(table)} SET rows_read = ${rowsRead}
    WHERE id = ${id}::uuid AND status = 'processing'
  `.execute(db)
}

/** Fails a file job with a reason (its campaign was revoked, its file cannot be read). */
export async function failFileJob(
  db: Kysely<Database>,
  table: FileJobTable,
  id: string,
  error: string,
  at: Date,
): Promise<void> {
  await sql`
    UPDATE ${sql.table(table)} SET status = 'failed', error = ${error}, completed_at = ${at}
    WHERE id = ${id}::uuid
  `.execute(db)
}

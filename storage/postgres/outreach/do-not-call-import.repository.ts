import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { DoNotCallImportRow } from './flow-task.table.js'

/** Records an accepted do-not-call file. */
export async function insertDoNotCallImport(
  db: Kysely<Database>,
  input: { id: string; fileKey: string; bytes: number; createdBy: string },
): Promise<DoNotCallImportRow> {
  return db
    .insertInto('do_not_call_import')
    .values({
      id: input.id,
      file_key: input.fileKey,
      bytes: String(input.bytes),
      created_by: input.createdBy,
      error: null,
      completed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** One import, or undefined. */
export async function findDoNotCallImport(
  db: Kysely<Database>,
  id: string,
): Promise<DoNotCallImportRow | undefined> {
  return db.selectFrom('do_not_call_import').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Imports newest first, those before `before` when given, at most `limit`. */
export async function listDoNotCallImports(
  db: Kysely<Database>,
  input: { before?: DoNotCallImportRow | undefined; limit: number },
): Promise<DoNotCallImportRow[]> {
  let query = db.selectFrom('do_not_call_import').selectAll()
  const { before } = input
  if (before !== undefined)
    query = query.where((eb) =>
      eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before.created_at, before.id)),
    )
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute()
}

/** Deletes an import that was never queued. */
export async function deleteDoNotCallImport(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('do_not_call_import').where('id', '=', id).execute()
}

/**
 * Completes an import with the counts of its whole file; `added` is counted from the list (the
 * numbers this import was first to list), so a run again after a crash reports the same.
 */
export async function completeDoNotCallImport(
  db: Kysely<Database>,
  id: string,
  counts: { total: number; invalid: number; invalidRows: { row: number; phone: string }[] },
  at: Date,
): Promise<void> {
  await db
    .updateTable('do_not_call_import')
    .set({
      status: 'completed',
      total: counts.total,
      invalid: counts.invalid,
      invalid_rows: JSON.stringify(counts.invalidRows),
      added: sql<number>`(SELECT count(*) FROM do_not_call WHERE import_id = ${id}::uuid)`,
      completed_at: at,
    })
    .where('id', '=', id)
    .execute()
}

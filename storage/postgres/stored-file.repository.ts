import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import type { NewStoredFileRow, StoredFileRow } from './stored-file.table.js'

/** Records a file whose bytes are in the filestore; returns its row. */
export async function insertStoredFile(
  db: Kysely<Database>,
  row: NewStoredFileRow,
): Promise<StoredFileRow> {
  return db.insertInto('stored_file').values(row).returningAll().executeTakeFirstOrThrow()
}

/** The stored file `id`, if any. */
export async function findStoredFile(
  db: Kysely<Database>,
  id: string,
): Promise<StoredFileRow | undefined> {
  return db.selectFrom('stored_file').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Deletes stored files' rows; returns the filestore keys whose bytes to remove. */
export async function deleteStoredFiles(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db
    .deleteFrom('stored_file')
    .where('id', 'in', ids)
    .returning('file_key')
    .execute()
  return rows.map((r) => r.file_key)
}

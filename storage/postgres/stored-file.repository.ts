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

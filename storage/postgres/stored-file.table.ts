import type { Generated, Insertable, Selectable } from 'kysely'

/** `stored_file`: one file of the filestore and what identifies its bytes. */
export interface StoredFileTable {
  id: string
  /** Where the bytes are in the filestore. */
  file_key: string
  /** The file's name as given (no folders). */
  name: string
  content_type: string
  bytes: string
  /** Hex SHA-256 of the bytes. */
  sha256: string
  /** The user id it belongs to: its uploader, or the owner of the job that made it. */
  created_by: string
  created_at: Generated<Date>
}
export type StoredFileRow = Selectable<StoredFileTable>
export type NewStoredFileRow = Insertable<StoredFileTable>

import type { ColumnType, Generated, Selectable } from 'kysely'

/**
 * `dead_letter`: every entry an actor gave up on, kept in Postgres as well as in its Redis
 * dead-letter stream, so that `rebuild` restores the list after Redis lost it. A replay or a
 * discard deletes the row.
 */
export interface DeadLetterTable {
  /** Order of arrival. */
  seq: ColumnType<string, never, never>
  /** The key of the stream the entry was read from (with `KEY_PREFIX`). */
  stream: string
  /** The entry's id in that stream. */
  source_id: string
  /** Its original fields, in order, as a flat list of names and values. */
  fields: ColumnType<string[], string, string>
  error: string
  actor: string
  attempts: number
  dead_at: Generated<Date>
}
export type DeadLetterRow = Selectable<DeadLetterTable>

import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/** What an upload carries. */
export type UploadKind = 'contacts' | 'negatives'
/** Where an upload is in its processing. */
export type UploadStatus = 'accepted' | 'processing' | 'completed' | 'failed'

/** `upload_request`: one uploaded file and its row counts. */
export interface UploadRequestTable {
  id: string
  campaign_id: string
  kind: UploadKind
  parent_id: string | null
  status: Generated<UploadStatus>
  file_key: string
  bytes: string
  total: Generated<number>
  accepted: Generated<number>
  invalid: Generated<number>
  duplicate: Generated<number>
  negative: Generated<number>
  cancelled_tasks: Generated<number>
  /** Rows stored so far by the run under way (the progress of a big file). */
  rows_read: Generated<number>
  error: string | null
  /** Failed because its queue entry was dead-lettered: a replay of that entry runs it again. */
  dead_lettered: Generated<boolean>
  created_by: string
  created_at: Generated<Date>
  completed_at: Date | null
  /** The client's `Idempotency-Key`, unique per campaign; null without one. */
  idempotency_key: string | null
  /** The campaign day it was (first) split on, `YYYY-MM-DD`; null before. */
  split_day: string | null
  /** When it was withdrawn; null while it stands. */
  withdrawn_at: Date | null
}
export type UploadRequestRow = Selectable<UploadRequestTable>

/** `upload_error`: one rejected cell or row of an upload. */
export interface UploadErrorTable {
  request_id: string
  row: number
  /** The file's line the row starts on; null for errors stored before lines were kept. */
  line: ColumnType<number | null, number | null | undefined, number | null>
  column: string
  code: string
  message: string
  /** The row's phone when it was valid (a duplicate, a do-not-call number, a bad time). */
  phone: ColumnType<string | null, string | null | undefined, string | null>
}
export type UploadErrorRow = Selectable<UploadErrorTable>
export type NewUploadErrorRow = Insertable<UploadErrorTable>

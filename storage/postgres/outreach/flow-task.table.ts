import type { ColumnType, Generated, Selectable } from 'kysely'

/** Every status of a flow task. */
export const TASK_STATUSES = [
  'IN_PROGRESS',
  'COMPLETED',
  'PARTIAL_COMPLETE',
  'FAILED',
  'NEGATIVE',
  'CANCELLED',
] as const
/** Status of a flow task. */
export type TaskStatus = (typeof TASK_STATUSES)[number]

/** `outreach_record`: one accepted contact of an upload. */
export interface OutreachRecordTable {
  id: Generated<string>
  campaign_id: string
  request_id: string
  row: number
  phone: string
  scheduled_time: Date | null
  data: unknown
}

/** `flow_task`: one contact, one day, one slot (0 when the campaign has no slots). */
export interface FlowTaskTable {
  id: Generated<string>
  campaign_id: string
  request_id: string
  record_id: string
  phone: string
  /** The day in the campaign's zone, `YYYY-MM-DD`. */
  task_date: string
  slot: number
  status: Generated<TaskStatus>
  reason: string | null
  attempts: Generated<number>
  retriggered: Generated<boolean>
  custom_slot: string | null
  /** Tasks without a slot: when the task may next be called. */
  due_at: Date | null
  updated_at: Generated<Date>
  /** The negatives upload that cancelled it, if one did. */
  cancelled_by: string | null
}
export type FlowTaskRow = Selectable<FlowTaskTable>

/** `task_attempt`: one call of the flow endpoint for a task. */
export interface TaskAttemptTable {
  id: string
  task_id: string
  attempt: number
  campaign_id: string
  request_id: string
  phone: string
  task_date: string
  slot: number
  started_at: Date
  ended_at: Date | null
  status: string | null
  reason: string | null
  http_status: number | null
}
export type TaskAttemptRow = Selectable<TaskAttemptTable>

/** `task_counter`: live task counts, kept by triggers on `flow_task`. */
export interface TaskCounterTable {
  campaign_id: string
  task_date: string
  slot: number
  status: TaskStatus
  count: string
}

/** `negative_number`: do-not-call numbers of one contacts upload. */
export interface NegativeNumberTable {
  request_id: string
  phone: string
  /** The negatives upload that listed it (null for numbers stored before uploads were kept). */
  upload_id: string | null
}

/** `do_not_call`: the global do-not-call list. */
export interface DoNotCallTable {
  phone: string
  added_by: string
  added_at: Generated<Date>
  /** The import that first listed it (null for numbers added before imports were kept). */
  import_id: string | null
}

/** `do_not_call_import`: one do-not-call file, added in the background. */
export interface DoNotCallImportTable {
  id: string
  status: Generated<'accepted' | 'processing' | 'completed' | 'failed'>
  file_key: string
  bytes: string
  total: Generated<number>
  added: Generated<number>
  invalid: Generated<number>
  /** Rows stored so far by the run under way (the progress of a big file). */
  rows_read: Generated<number>
  /** The first 1,000 rows whose number was not taken. */
  invalid_rows: ColumnType<{ row: number; phone: string }[], string | undefined, string>
  error: string | null
  dead_lettered: Generated<boolean>
  created_by: string
  created_at: Generated<Date>
  completed_at: Date | null
}
export type DoNotCallImportRow = Selectable<DoNotCallImportTable>

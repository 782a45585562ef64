import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { FlowTaskRow, TaskAttemptRow } from './flow-task.table.js'
import { customSlotOf, type StoredWindow } from './outreach-settings.js'

/** One accepted record of a number, with its upload, negatives, tasks and their attempts. */
export interface ContactRecord {
  recordId: string
  requestId: string
  row: number
  data: unknown
  scheduledTime: Date | null
  uploadedAt: Date
  withdrawnAt: Date | null
  /** Whether the number is negative for its upload. */
  negative: boolean
  /** The negatives uploads of its upload that listed the number (oldest first). */
  negativeUploads: string[]
  tasks: (Omit<FlowTaskRow, 'custom_slot'> & {
    custom_slot: StoredWindow | null
    attemptRows: TaskAttemptRow[]
  })[]
}

/**
 * Every record of `phone` in a campaign's contacts uploads, oldest upload first, with what
 * became of it: its tasks (by day and slot) and each call. Four indexed reads: the campaign's
 * uploads, then records by (upload, phone), tasks by record, attempts by task.
 */
export async function findContact(
  db: Kysely<Database>,
  campaignId: string,
  phone: string,
): Promise<ContactRecord[]> {
  const records = await db
    .selectFrom('upload_request as u')
    .innerJoin('outreach_record as r', (join) =>
      join.onRef('r.request_id', '=', 'u.id').on('r.phone', '=', phone),
    )
    .select([
      'r.id',
      'r.request_id',
      'r.row',
      'r.data',
      'r.scheduled_time',
      'u.created_at',
      'u.withdrawn_at',
    ])
    .where('u.campaign_id', '=', campaignId)
    .where('u.kind', '=', 'contacts')
    .orderBy('u.created_at')
    .orderBy('r.id')
    .execute()
  if (records.length === 0) return []
  const requestIds = records.map((r) => r.request_id)
  const recordIds = records.map((r) => r.id)
  const [negatives, tasks] = await Promise.all([
    db
      .selectFrom('negative_number as n')
      .leftJoin('upload_request as u', 'u.id', 'n.upload_id')
      .select(['n.request_id', 'n.upload_id'])
      .where('n.request_id', 'in', requestIds)
      .where('n.phone', '=', phone)
      .orderBy('u.created_at')
      .execute(),
    db
      .selectFrom('flow_task')
      .selectAll()
      .where('record_id', 'in', recordIds)
      .orderBy('record_id')
      .orderBy('task_date')
      .orderBy('slot')
      .execute(),
  ])
  const attempts =
    tasks.length === 0
      ? []
      : await db
          .selectFrom('task_attempt')
          .selectAll()
          .where(
            'task_id',
            'in',
            tasks.map((t) => t.id),
          )
          .orderBy('task_id')
          .orderBy('attempt')
          .execute()
  return records.map((r) => ({
    recordId: r.id,
    requestId: r.request_id,
    row: r.row,
    data: r.data,
    scheduledTime: r.scheduled_time,
    uploadedAt: r.created_at,
    withdrawnAt: r.withdrawn_at,
    negative: negatives.some((n) => n.request_id === r.request_id),
    negativeUploads: negatives
      .filter((n) => n.request_id === r.request_id)
      .map((n) => n.upload_id)
      .filter((id): id is string => id !== null),
    tasks: tasks
      .filter((t) => t.record_id === r.id)
      .map((t) => ({
        ...t,
        custom_slot: customSlotOf(t.custom_slot, `task ${t.id}`),
        attemptRows: attempts.filter((a) => a.task_id === t.id),
      })),
  }))
}

/** A row of a contacts upload that held the number but was left out, and why. */
export interface RefusedRow {
  requestId: string
  row: number
  code: string
  message: string
  uploadedAt: Date
}

/**
 * The rows of a campaign's contacts uploads that held `phone` but were left out (a duplicate of
 * another row, on the do-not-call list, a bad `scheduled_time`), oldest upload first. One read
 * by the partial index of refused phones. Rows stored before phones were kept are not found.
 */
export async function findRefusedRows(
  db: Kysely<Database>,
  campaignId: string,
  phone: string,
): Promise<RefusedRow[]> {
  const rows = await db
    .selectFrom('upload_error as e')
    .innerJoin('upload_request as u', 'u.id', 'e.request_id')
    .select(['e.request_id', 'e.row', 'e.code', 'e.message', 'u.created_at'])
    .where('e.phone', '=', phone)
    .where('u.campaign_id', '=', campaignId)
    .where('u.kind', '=', 'contacts')
    .orderBy('u.created_at')
    .orderBy('e.row')
    .execute()
  return rows.map((r) => ({
    requestId: r.request_id,
    row: r.row,
    code: r.code,
    message: r.message,
    uploadedAt: r.created_at,
  }))
}

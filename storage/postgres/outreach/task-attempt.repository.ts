import { sql, type Kysely } from 'kysely'
import { prepared, type Database } from '../database.js'
import type { FlowTaskRow, TaskStatus } from './flow-task.table.js'
import {
  customSlotOf,
  outreachSettingsOf,
  type StoredOutreachSettings,
  type StoredWindow,
} from './outreach-settings.js'
import { taskRules } from './task-rules.js'

/** The stored JSON of a task for a call, as read. */
interface StoredJson {
  settings: Record<string, unknown>
  custom_slot: string | null
}

/** A task with what the executor re-checks right before calling. */
export type TaskForCall = Pick<
  FlowTaskRow,
  | 'id'
  | 'campaign_id'
  | 'request_id'
  | 'record_id'
  | 'phone'
  | 'task_date'
  | 'slot'
  | 'status'
  | 'attempts'
  | 'retriggered'
> & {
  custom_slot: StoredWindow | null
  /** The record's other columns. */
  data: unknown
  campaign_status: string
  /** The campaign is paused: no call now. */
  campaign_paused: boolean
  campaign_end: Date
  settings: StoredOutreachSettings
  /** Negative for its request or on the do-not-call list. */
  negative: boolean
  /** Its upload was withdrawn. */
  withdrawn: boolean
}

/** Loads tasks with their campaign, record data and do-not-call state, in one query. */
export async function loadTasksForCall(
  db: Kysely<Database>,
  ids: string[],
): Promise<TaskForCall[]> {
  if (ids.length === 0) return []
  const result = await sql<
    Omit<TaskForCall, 'settings' | 'custom_slot'> & StoredJson
  >`${prepared('load-tasks-for-call')}
    SELECT t.id, t.campaign_id, t.request_id, t.record_id, t.phone, t.task_date::text AS task_date,
      t.slot, t.status, t.attempts, t.retriggered, t.custom_slot, r.data,
      c.status AS campaign_status, c.paused_at IS NOT NULL AS campaign_paused,
      c.end_at AS campaign_end, c.settings,
      ${taskRules.negative('t.request_id', 't.phone')} AS negative,
      ${taskRules.withdrawn('t.request_id')} AS withdrawn
    FROM flow_task t
    JOIN campaign c ON c.id = t.campaign_id
    JOIN outreach_record r ON r.id = t.record_id
    WHERE t.id = ANY(${ids}::bigint[])
  `.execute(db)
  // Every task of a campaign carries the same settings: parsed once per campaign.
  const byCampaign = new Map<string, StoredOutreachSettings>()
  return result.rows.map((row) => {
    let settings = byCampaign.get(row.campaign_id)
    if (settings === undefined) {
      settings = outreachSettingsOf(row.campaign_id, row.settings)
      byCampaign.set(row.campaign_id, settings)
    }
    return { ...row, settings, custom_slot: customSlotOf(row.custom_slot, `task ${row.id}`) }
  })
}

/** A claim: the task, the attempt count it was released with, and the new attempt's id. */
export interface Claim {
  taskId: string
  releasedAttempts: number
  attemptId: string
}

/**
 * Takes tasks for a call: counts the attempt and opens an attempt row, only for tasks still
 * pending with the attempt count they were released with, in a campaign not revoked nor
 * paused, not negative and with no attempt still open (an executor that died mid-call may have called).
 * Returns the ids taken; another executor can never take the same attempt.
 */
export async function claimTasks(
  db: Kysely<Database>,
  claims: Claim[],
  at: Date,
): Promise<string[]> {
  if (claims.length === 0) return []
  const result = await sql<{ id: string }>`${prepared('claim-tasks')}
    WITH wanted AS (
      SELECT * FROM unnest(${claims.map((c) => c.taskId)}::bigint[], ${claims.map((c) => c.releasedAttempts)}::smallint[],
        ${claims.map((c) => c.attemptId)}::uuid[]) AS w(task_id, attempts, attempt_id)
    ),
    taken AS (
      UPDATE flow_task t SET attempts = t.attempts + 1, updated_at = ${at}
      FROM wanted w, campaign c
      WHERE t.id = w.task_id AND t.attempts = w.attempts AND t.status = 'IN_PROGRESS'
        AND c.id = t.campaign_id AND c.status <> 'Cancelled' AND c.paused_at IS NULL
        AND NOT ${taskRules.negative('t.request_id', 't.phone')}
        AND NOT ${taskRules.withdrawn('t.request_id')}
        AND NOT ${taskRules.openAttempt('t')}
      RETURNING t.*, w.attempt_id
    )
    INSERT INTO task_attempt (id, task_id, attempt, campaign_id, request_id, phone, task_date, slot, started_at)
    SELECT attempt_id, id, attempts, campaign_id, request_id, phone, task_date, slot, ${at} FROM taken
    RETURNING task_id AS id
  `.execute(db)
  return result.rows.map((r) => r.id)
}

/** The end of one attempt. */
export interface AttemptResult {
  taskId: string
  attemptId: string
  status: TaskStatus
  reason: string | null
  httpStatus: number | null
  endedAt: Date
  /** For a task that stays IN_PROGRESS to be retried: when. */
  dueAt?: Date | null
}

/** Records attempt ends and moves their tasks to the final status, in one statement. */
export async function recordResults(db: Kysely<Database>, results: AttemptResult[]): Promise<void> {
  if (results.length === 0) return
  await sql`${prepared('record-results')}
    WITH r AS (
      SELECT * FROM unnest(${results.map((x) => x.taskId)}::bigint[], ${results.map((x) => x.attemptId)}::uuid[],
        ${results.map((x) => x.status)}::text[], ${results.map((x) => x.reason)}::text[],
        ${results.map((x) => x.httpStatus)}::smallint[], ${results.map((x) => x.endedAt)}::timestamptz[],
        ${results.map((x) => x.dueAt ?? null)}::timestamptz[])
        AS r(task_id, attempt_id, status, reason, http_status, ended_at, due_at)
    ),
    attempts AS (
      UPDATE task_attempt a SET ended_at = r.ended_at, reason = r.reason, http_status = r.http_status,
        status = CASE WHEN r.status = 'IN_PROGRESS' THEN 'FAILED' ELSE r.status END
      FROM r WHERE a.id = r.attempt_id
      RETURNING a.id
    )
    UPDATE flow_task t SET status = r.status, reason = r.reason, updated_at = r.ended_at,
      due_at = coalesce(r.due_at, t.due_at)
    FROM r WHERE t.id = r.task_id AND t.status = 'IN_PROGRESS'
  `.execute(db)
}

import { sql, type Kysely } from 'kysely'
import type { Database } from './database.js'
import type { TaskStatus } from './flow-task.table.js'

/** A record to store, from upload-split. */
export interface NewRecord {
  row: number
  phone: string
  scheduledTime: Date | null
  data: Record<string, string>
}

/** What storing one chunk of an upload did. */
export interface ChunkResult {
  /** Rows whose phone is on the do-not-call list (not stored). */
  negative: number
  inserted: number
  tasks: number
}

/**
 * Stores a chunk of records (once per phone per request; numbers on the do-not-call list are
 * left out) and, in the same statement, one task per new record per slot of `date`.
 */
export async function insertRecordsAndTasks(
  db: Kysely<Database>,
  input: {
    campaignId: string
    requestId: string
    records: NewRecord[]
    date: string | null
    slots: number[]
    /** Campaigns without slots: tasks are due at the record's scheduled time, or `now`. */
    noSlot?: { zone: string; now: Date }
  },
): Promise<ChunkResult> {
  const { records } = input
  if (records.length === 0) return { negative: 0, inserted: 0, tasks: 0 }
  const noSlot = { zone: input.noSlot?.zone ?? null, now: input.noSlot?.now ?? null }
  const result = await sql<{ negative: string; inserted: string; tasks: string }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${records.map((r) => r.row)}::int[], ${records.map((r) => r.phone)}::text[],
        ${records.map((r) => r.scheduledTime)}::timestamptz[], ${records.map((r) => JSON.stringify(r.data))}::jsonb[]
      ) AS t(row, phone, scheduled_time, data)
    ),
    blocked AS (SELECT i.row FROM input i JOIN do_not_call d USING (phone)),
    kept AS (
      SELECT DISTINCT ON (phone) * FROM input
      WHERE row NOT IN (SELECT row FROM blocked) ORDER BY phone, row
    ),
    inserted AS (
      INSERT INTO outreach_record (campaign_id, request_id, row, phone, scheduled_time, data)
      SELECT ${input.campaignId}, ${input.requestId}::uuid, row, phone, scheduled_time, data FROM kept
      ON CONFLICT (request_id, phone) DO NOTHING
      RETURNING id, phone, scheduled_time
    ),
    tasks AS (
      INSERT INTO flow_task (campaign_id, request_id, record_id, phone, task_date, slot, due_at)
      SELECT ${input.campaignId}, ${input.requestId}::uuid, i.id, i.phone,
        CASE WHEN ${noSlot.zone}::text IS NULL THEN ${input.date}::date
          ELSE (coalesce(i.scheduled_time, ${noSlot.now}::timestamptz) AT TIME ZONE ${noSlot.zone}::text)::date END,
        s,
        CASE WHEN ${noSlot.zone}::text IS NULL THEN NULL ELSE coalesce(i.scheduled_time, ${noSlot.now}::timestamptz) END
      FROM inserted i CROSS JOIN unnest(${input.slots}::smallint[]) AS s
      WHERE ${input.date}::date IS NOT NULL
      ORDER BY i.id, s
      -- records inserted by this statement are new: none of them has a task yet
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM blocked) AS negative, (SELECT count(*) FROM inserted) AS inserted,
      (SELECT count(*) FROM tasks) AS tasks
  `.execute(db)
  const row = result.rows[0]
  return {
    negative: Number(row?.negative ?? 0),
    inserted: Number(row?.inserted ?? 0),
    tasks: Number(row?.tasks ?? 0),
  }
}

/** Records stored for a request. */
export async function countRecords(db: Kysely<Database>, requestId: string): Promise<number> {
  const row = await db
    .selectFrom('outreach_record')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('request_id', '=', requestId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Creates `date`'s tasks for one page of the campaign's records (id > `afterRecordId`), one per
 * slot, leaving out numbers negative for their request or on the do-not-call list. Idempotent.
 * Returns the last record id of the page (undefined when there was none) and tasks created.
 */
export async function createDayTasks(
  db: Kysely<Database>,
  input: {
    campaignId: string
    date: string
    slots: number[]
    afterRecordId: string
    limit: number
  },
): Promise<{ lastRecordId: string | undefined; created: number }> {
  const result = await sql<{ last: string | null; created: string }>`
    WITH page AS (
      SELECT id, request_id, phone FROM outreach_record
      WHERE campaign_id = ${input.campaignId} AND id > ${input.afterRecordId}
      ORDER BY id LIMIT ${input.limit}
    ),
    created AS (
      INSERT INTO flow_task (campaign_id, request_id, record_id, phone, task_date, slot)
      SELECT ${input.campaignId}, p.request_id, p.id, p.phone, ${input.date}::date, s
      FROM page p CROSS JOIN unnest(${input.slots}::smallint[]) AS s
      WHERE NOT EXISTS (SELECT 1 FROM negative_number n WHERE n.request_id = p.request_id AND n.phone = p.phone)
        AND NOT EXISTS (SELECT 1 FROM do_not_call d WHERE d.phone = p.phone)
      ORDER BY p.id, s
      ON CONFLICT (record_id, task_date, slot) DO NOTHING
      RETURNING 1
    )
    SELECT (SELECT max(id) FROM page)::text AS last, (SELECT count(*) FROM created) AS created
  `.execute(db)
  const row = result.rows[0]
  return { lastRecordId: row?.last ?? undefined, created: Number(row?.created ?? 0) }
}

/** A task ready to be handed to the executor. */
export interface PendingTask {
  id: string
  attempts: number
}

/** One page of a slot's tasks still `IN_PROGRESS` (or, with `dueBy`, slotless tasks due), by id. */
export async function pendingTasks(
  db: Kysely<Database>,
  input: {
    campaignId: string
    date: string
    slot: number
    afterTaskId: string
    limit: number
    dueBy?: Date
  },
): Promise<PendingTask[]> {
  let query = db
    .selectFrom('flow_task')
    .select(['id', 'attempts'])
    .where('campaign_id', '=', input.campaignId)
    .where('status', '=', 'IN_PROGRESS')
    .where('id', '>', input.afterTaskId)
  // Tasks without a slot are released by due time across days; slot tasks by day and slot.
  query =
    input.dueBy === undefined
      ? query.where('task_date', '=', input.date).where('slot', '=', input.slot)
      : query.where('slot', '=', 0).where('due_at', '<=', input.dueBy)
  return query.orderBy('id').limit(input.limit).execute()
}

/** Every task of a slot not yet attempted becomes FAILED with `reason`; returns how many. */
export async function failUnattempted(
  db: Kysely<Database>,
  input: { campaignId: string; date: string; slot: number; reason: string; at: Date },
): Promise<number> {
  const result = await db
    .updateTable('flow_task')
    .set({ status: 'FAILED', reason: input.reason, updated_at: input.at })
    .where('campaign_id', '=', input.campaignId)
    .where('task_date', '=', input.date)
    .where('slot', '=', input.slot)
    .where('status', '=', 'IN_PROGRESS')
    .where('attempts', '=', 0)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Moves tasks to a final status without a call: only those still `IN_PROGRESS` with no attempt
 * open (a call in flight records its own result; a task released twice must not lose it).
 * Returns how many moved.
 */
export async function settleTasks(
  db: Kysely<Database>,
  ids: string[],
  status: TaskStatus,
  reason: string | null,
  at: Date,
): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db
    .updateTable('flow_task')
    .set({ status, reason, updated_at: at })
    .where('id', 'in', ids)
    .where('status', '=', 'IN_PROGRESS')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('task_attempt')
            .select('task_attempt.id')
            .whereRef('task_attempt.task_id', '=', 'flow_task.id')
            .where('task_attempt.ended_at', 'is', null),
        ),
      ),
    )
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** A task with what the executor re-checks right before calling. */
export interface TaskForCall {
  id: string
  campaign_id: string
  request_id: string
  record_id: string
  phone: string
  task_date: string
  slot: number
  status: TaskStatus
  attempts: number
  retriggered: boolean
  custom_slot: string | null
  data: unknown
  campaign_status: string
  campaign_end: Date
  settings: Record<string, unknown>
  negative: boolean
}

/** Loads tasks with their campaign, record data and do-not-call state, in one query. */
export async function loadTasksForCall(
  db: Kysely<Database>,
  ids: string[],
): Promise<TaskForCall[]> {
  if (ids.length === 0) return []
  const result = await sql<TaskForCall>`
    SELECT t.id, t.campaign_id, t.request_id, t.record_id, t.phone, t.task_date::text AS task_date,
      t.slot, t.status, t.attempts, t.retriggered, t.custom_slot, r.data,
      c.status AS campaign_status, c.end_at AS campaign_end, c.settings,
      (EXISTS (SELECT 1 FROM negative_number n WHERE n.request_id = t.request_id AND n.phone = t.phone)
        OR EXISTS (SELECT 1 FROM do_not_call d WHERE d.phone = t.phone)) AS negative
    FROM flow_task t
    JOIN campaign c ON c.id = t.campaign_id
    JOIN outreach_record r ON r.id = t.record_id
    WHERE t.id = ANY(${ids}::bigint[])
  `.execute(db)
  return result.rows
}

/** A claim: the task, the attempt count it was released with, and the new attempt's id. */
export interface Claim {
  taskId: string
  releasedAttempts: number
  attemptId: string
}

/**
 * Takes tasks for a call: counts the attempt and opens an attempt row, only for tasks still
 * pending with the attempt count they were released with, in a campaign not revoked, not
 * negative and with no attempt still open (an executor that died mid-call may have called).
 * Returns the ids taken; another executor can never take the same attempt.
 */
export async function claimTasks(
  db: Kysely<Database>,
  claims: Claim[],
  at: Date,
): Promise<string[]> {
  if (claims.length === 0) return []
  const result = await sql<{ id: string }>`
    WITH wanted AS (
      SELECT * FROM unnest(${claims.map((c) => c.taskId)}::bigint[], ${claims.map((c) => c.releasedAttempts)}::smallint[],
        ${claims.map((c) => c.attemptId)}::uuid[]) AS w(task_id, attempts, attempt_id)
    ),
    taken AS (
      UPDATE flow_task t SET attempts = t.attempts + 1, updated_at = ${at}
      FROM wanted w, campaign c
      WHERE t.id = w.task_id AND t.attempts = w.attempts AND t.status = 'IN_PROGRESS'
        AND c.id = t.campaign_id AND c.status <> 'Cancelled'
        AND NOT EXISTS (SELECT 1 FROM negative_number n WHERE n.request_id = t.request_id AND n.phone = t.phone)
        AND NOT EXISTS (SELECT 1 FROM do_not_call d WHERE d.phone = t.phone)
        -- a call that began and never reported (its executor died) may have happened
        AND NOT EXISTS (SELECT 1 FROM task_attempt a WHERE a.task_id = t.id AND a.ended_at IS NULL)
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
  await sql`
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

/**
 * Stores a chunk of negative numbers listed by one negatives upload for a contacts request and
 * turns that request's tasks for them not executed yet into NEGATIVE, marked as cancelled by
 * the upload.
 */
export async function applyNegatives(
  db: Kysely<Database>,
  input: { parentId: string; uploadId: string; phones: string[]; at: Date },
): Promise<void> {
  const { parentId, uploadId, phones, at } = input
  if (phones.length === 0) return
  await sql`
    WITH stored AS (
      INSERT INTO negative_number (request_id, phone, upload_id)
      SELECT ${parentId}::uuid, p, ${uploadId}::uuid FROM unnest(${phones}::text[]) AS p
      ON CONFLICT (request_id, phone, upload_id) DO NOTHING
    )
    UPDATE flow_task t SET status = 'NEGATIVE', reason = 'NEGATIVE_UPLOAD', cancelled_by = ${uploadId}::uuid,
      updated_at = ${at}
    FROM outreach_record r
    WHERE r.request_id = ${parentId}::uuid AND r.phone = ANY(${phones}::text[]) AND t.record_id = r.id
      AND t.status = 'IN_PROGRESS' AND t.attempts = 0
  `.execute(db)
}

/**
 * What a negatives upload did, from what is stored: the distinct numbers it listed and the
 * tasks it cancelled.
 */
export async function negativeUploadCounts(
  db: Kysely<Database>,
  input: { parentId: string; uploadId: string },
): Promise<{ numbers: number; cancelledTasks: number }> {
  const result = await sql<{ numbers: string; cancelled: string }>`
    WITH listed AS (
      SELECT phone FROM negative_number WHERE upload_id = ${input.uploadId}::uuid
    )
    SELECT (SELECT count(*) FROM listed) AS numbers,
      (SELECT count(*) FROM listed l
        JOIN outreach_record r ON r.request_id = ${input.parentId}::uuid AND r.phone = l.phone
        JOIN flow_task t ON t.record_id = r.id
        WHERE t.cancelled_by = ${input.uploadId}::uuid) AS cancelled
  `.execute(db)
  const row = result.rows[0]
  return { numbers: Number(row?.numbers ?? 0), cancelledTasks: Number(row?.cancelled ?? 0) }
}

/** Adds numbers to the global do-not-call list; returns how many were new. */
export async function addDoNotCall(
  db: Kysely<Database>,
  phones: string[],
  addedBy: string,
): Promise<number> {
  if (phones.length === 0) return 0
  const result = await db
    .insertInto('do_not_call')
    .values(phones.map((phone) => ({ phone, added_by: addedBy })))
    .onConflict((oc) => oc.column('phone').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/** Revokes a campaign: it becomes Cancelled and every task not yet executed CANCELLED. */
export async function revokeCampaign(
  db: Kysely<Database>,
  campaignId: string,
  at: Date,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('campaign')
      .set({ status: 'Cancelled' })
      .where('id', '=', campaignId)
      .execute()
    const result = await trx
      .updateTable('flow_task')
      .set({ status: 'CANCELLED', reason: 'CAMPAIGN_REVOKED', updated_at: at })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'IN_PROGRESS')
      .where('attempts', '=', 0)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  })
}

/**
 * Tasks of a slot whose call started but never reported (their executor died) become FAILED
 * with `reason`, and their open attempts are closed. Called well after the slot's end, when no
 * call can still be running. Returns how many.
 */
export async function failInterrupted(
  db: Kysely<Database>,
  input: { campaignId: string; date: string; slot: number; reason: string; at: Date },
): Promise<number> {
  const result = await sql<{ n: string }>`
    WITH failed AS (
      UPDATE flow_task SET status = 'FAILED', reason = ${input.reason}, updated_at = ${input.at}
      WHERE campaign_id = ${input.campaignId} AND task_date = ${input.date}::date AND slot = ${input.slot}
        AND status = 'IN_PROGRESS' AND attempts > 0
      RETURNING id
    ),
    closed AS (
      UPDATE task_attempt SET ended_at = ${input.at}, status = 'FAILED', reason = ${input.reason}
      WHERE task_id IN (SELECT id FROM failed) AND ended_at IS NULL
    )
    SELECT count(*) AS n FROM failed
  `.execute(db)
  return Number(result.rows[0]?.n ?? 0)
}

/**
 * Tasks without a slot whose call began before `startedBefore` and never reported become
 * FAILED with `reason` (the call may have happened, so it is not repeated). Returns how many.
 */
export async function failStaleSlotless(
  db: Kysely<Database>,
  input: { campaignId: string; startedBefore: Date; reason: string; at: Date },
): Promise<number> {
  const result = await sql<{ n: string }>`
    WITH stale AS (
      UPDATE task_attempt SET ended_at = ${input.at}, status = 'FAILED', reason = ${input.reason}
      WHERE campaign_id = ${input.campaignId} AND slot = 0 AND ended_at IS NULL AND started_at < ${input.startedBefore}
      RETURNING task_id
    ),
    failed AS (
      UPDATE flow_task SET status = 'FAILED', reason = ${input.reason}, updated_at = ${input.at}
      WHERE id IN (SELECT task_id FROM stale) AND status = 'IN_PROGRESS'
      RETURNING 1
    )
    SELECT count(*) AS n FROM failed
  `.execute(db)
  return Number(result.rows[0]?.n ?? 0)
}

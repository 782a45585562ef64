import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { taskRules } from './task-rules.js'

/** A record to store, from upload-split. */
export interface NewRecord {
  row: number
  /** The file's line the row starts on. */
  line: number
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
 * left out) and, in the same statement, one task per new record per slot of `date`. Each row
 * left out gets a row error saying why: `do_not_call`, or `duplicate` naming the row where its
 * phone is kept (a row stored by an earlier run of the same upload is not a duplicate of itself).
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
        ${records.map((r) => r.row)}::int[], ${records.map((r) => r.line)}::int[],
        ${records.map((r) => r.phone)}::text[], ${records.map((r) => r.scheduledTime)}::timestamptz[],
        ${records.map((r) => JSON.stringify(r.data))}::jsonb[]
      ) AS t(row, line, phone, scheduled_time, data)
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
    ),
    -- Where each phone left out is kept: an earlier chunk's (or run's) record, else this chunk's.
    conflicted AS (
      SELECT k.phone, r.row FROM kept k
      JOIN outreach_record r ON r.request_id = ${input.requestId}::uuid AND r.phone = k.phone
      WHERE k.phone NOT IN (SELECT phone FROM inserted)
    ),
    dropped AS (
      SELECT b.row, i.line, 'do_not_call' AS code,
        format('phone %s is on the do-not-call list', i.phone) AS message, i.phone
      FROM blocked b JOIN input i USING (row)
      UNION ALL
      SELECT i.row, i.line, 'duplicate',
        format('phone %s is also in row %s, where it is kept', i.phone, coalesce(c.row, k.row)),
        i.phone
      FROM input i
      JOIN kept k USING (phone)
      LEFT JOIN conflicted c USING (phone)
      WHERE i.row NOT IN (SELECT row FROM blocked) AND i.row <> coalesce(c.row, k.row)
    ),
    reported AS (
      INSERT INTO upload_error (request_id, row, line, "column", code, message, phone)
      SELECT ${input.requestId}::uuid, row, line, 'phone', code, message, phone FROM dropped
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM blocked) AS negative, (SELECT count(*) FROM inserted) AS inserted,
      (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM reported) AS reported
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
 * slot, leaving out numbers negative for their request or on the do-not-call list, records of
 * uploads split on `date` (upload-split made their tasks for that day's slots not yet over), and
 * records of withdrawn uploads.
 * Idempotent. Returns the last record id of the page (undefined when there was none) and tasks
 * created.
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
      FROM page p
      JOIN upload_request u ON u.id = p.request_id
      CROSS JOIN unnest(${input.slots}::smallint[]) AS s
      WHERE NOT ${taskRules.negative('p.request_id', 'p.phone')}
        AND u.split_day IS DISTINCT FROM ${input.date}::date AND u.withdrawn_at IS NULL
      ORDER BY p.id, s
      ON CONFLICT (record_id, task_date, slot) DO NOTHING
      RETURNING 1
    )
    SELECT (SELECT max(id) FROM page)::text AS last, (SELECT count(*) FROM created) AS created
  `.execute(db)
  const row = result.rows[0]
  return { lastRecordId: row?.last ?? undefined, created: Number(row?.created ?? 0) }
}

import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { taskRules } from './task-rules.js'
import type {
  NewUploadErrorRow,
  UploadErrorRow,
  UploadKind,
  UploadRequestRow,
} from './upload-request.table.js'

/** Stores a new upload request in `accepted`. */
export async function insertUploadRequest(
  db: Kysely<Database>,
  request: {
    id: string
    campaignId: string
    kind: UploadKind
    parentId: string | null
    fileKey: string
    bytes: number
    createdBy: string
    idempotencyKey?: string | undefined
  },
): Promise<UploadRequestRow> {
  return db
    .insertInto('upload_request')
    .values({
      id: request.id,
      campaign_id: request.campaignId,
      kind: request.kind,
      parent_id: request.parentId,
      file_key: request.fileKey,
      bytes: String(request.bytes),
      created_by: request.createdBy,
      error: null,
      completed_at: null,
      idempotency_key: request.idempotencyKey ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The upload of a campaign made with the client's `Idempotency-Key`, or undefined. */
export async function findUploadByKey(
  db: Kysely<Database>,
  campaignId: string,
  idempotencyKey: string,
): Promise<UploadRequestRow | undefined> {
  return db
    .selectFrom('upload_request')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
}

/** True for the error of a second upload of a campaign with the same `Idempotency-Key`. */
export function isIdempotencyKeyTaken(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown }
  return e.code === '23505' && e.constraint === 'upload_request_idempotency_key'
}

/** Deletes an upload request that was never queued (nothing refers to it yet). */
export async function deleteUploadRequest(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('upload_request').where('id', '=', id).execute()
}

/** One upload request, or undefined. */
export async function findUploadRequest(
  db: Kysely<Database>,
  id: string,
): Promise<UploadRequestRow | undefined> {
  return db.selectFrom('upload_request').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Whether an upload was withdrawn. */
export async function isWithdrawn(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('upload_request')
    .select('withdrawn_at')
    .where('id', '=', id)
    .executeTakeFirst()
  return row?.withdrawn_at !== null && row?.withdrawn_at !== undefined
}

/**
 * A campaign's upload requests, newest first (by creation, then id), optionally of one kind and
 * created before the request `before`; at most `limit`.
 */
export async function listUploadRequests(
  db: Kysely<Database>,
  input: { campaignId: string; kind?: UploadKind; before?: UploadRequestRow; limit: number },
): Promise<UploadRequestRow[]> {
  let query = db
    .selectFrom('upload_request')
    .selectAll()
    .where('campaign_id', '=', input.campaignId)
  if (input.kind !== undefined) query = query.where('kind', '=', input.kind)
  const { before } = input
  if (before !== undefined)
    query = query.where((eb) =>
      eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before.created_at, before.id)),
    )
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute()
}

/**
 * Records the campaign day a contacts upload is split on, before its records are stored; a
 * split run again later keeps the first day.
 */
export async function markSplitDay(db: Kysely<Database>, id: string, day: string): Promise<void> {
  await db
    .updateTable('upload_request')
    .set((eb) => ({ split_day: eb.fn.coalesce('split_day', eb.val(day)) }))
    .where('id', '=', id)
    .execute()
}

/**
 * Withdraws a contacts upload: marks it (the first time counts) and cancels its tasks waiting
 * for a call (`CANCELLED`/`UPLOAD_WITHDRAWN`, marked as cancelled by it); a call in flight
 * finishes. Returns when it was withdrawn and how many tasks it cancelled in all.
 *
 * The mark is committed on its own, before the cancelling (which takes seconds for a big
 * upload): a split under way sees it at its next chunk and makes no more tasks, and the tasks
 * it made meanwhile are cancelled by this statement or by the split's own call of this when it
 * ends. Should the cancelling fail, the mark stands (the executor calls none of the upload's
 * tasks) and withdrawing again finishes it.
 */
export async function withdrawUpload(
  db: Kysely<Database>,
  id: string,
  at: Date,
): Promise<{ withdrawnAt: Date; cancelledTasks: number }> {
  const marked = await db
    .updateTable('upload_request')
    .set((eb) => ({ withdrawn_at: eb.fn.coalesce('withdrawn_at', eb.val(at)) }))
    .where('id', '=', id)
    .returning('withdrawn_at')
    .executeTakeFirstOrThrow()
  await sql`
    UPDATE flow_task t SET status = 'CANCELLED', reason = 'UPLOAD_WITHDRAWN',
      cancelled_by = ${id}::uuid, updated_at = ${at}
    FROM outreach_record r
    WHERE r.request_id = ${id}::uuid AND t.record_id = r.id AND ${taskRules.awaitingCall('t')}
  `.execute(db)
  const counted = await sql<{ n: string }>`
    SELECT count(*) AS n FROM flow_task t JOIN outreach_record r ON t.record_id = r.id
    WHERE r.request_id = ${id}::uuid AND t.cancelled_by = ${id}::uuid
  `.execute(db)
  return {
    withdrawnAt: marked.withdrawn_at ?? at,
    cancelledTasks: Number(counted.rows[0]?.n ?? 0),
  }
}

/** Final counts of a finished request. */
export interface UploadCounts {
  total: number
  accepted: number
  invalid: number
  duplicate: number
  negative: number
  cancelledTasks?: number
}

/** Marks a request completed with its counts. */
export async function completeUpload(
  db: Kysely<Database>,
  id: string,
  counts: UploadCounts,
  at: Date,
): Promise<void> {
  await db
    .updateTable('upload_request')
    .set({
      status: 'completed',
      total: counts.total,
      accepted: counts.accepted,
      invalid: counts.invalid,
      duplicate: counts.duplicate,
      negative: counts.negative,
      cancelled_tasks: counts.cancelledTasks ?? 0,
      completed_at: at,
    })
    .where('id', '=', id)
    .execute()
}

/** Row errors to store (a repeated run stores each once). */
export async function insertUploadErrors(
  db: Kysely<Database>,
  errors: NewUploadErrorRow[],
): Promise<void> {
  if (errors.length === 0) return
  await db
    .insertInto('upload_error')
    .values(errors)
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** The first `limit` row errors of a request, by row. */
export async function listUploadErrors(
  db: Kysely<Database>,
  id: string,
  limit: number,
): Promise<UploadErrorRow[]> {
  return db
    .selectFrom('upload_error')
    .selectAll()
    .where('request_id', '=', id)
    .orderBy('row')
    .orderBy('column')
    .limit(limit)
    .execute()
}

/** Every row error of a request, in pages, by row (for the CSV export). */
export async function* allUploadErrors(
  db: Kysely<Database>,
  id: string,
  pageSize = 5000,
): AsyncGenerator<UploadErrorRow[]> {
  let after = { row: 0, column: '' }
  for (;;) {
    const page = await db
      .selectFrom('upload_error')
      .selectAll()
      .where('request_id', '=', id)
      .where((eb) =>
        eb.or([
          eb('row', '>', after.row),
          eb.and([eb('row', '=', after.row), eb('column', '>', after.column)]),
        ]),
      )
      .orderBy('row')
      .orderBy('column')
      .limit(pageSize)
      .execute()
    if (page.length === 0) return
    yield page
    const last = page[page.length - 1]
    if (last === undefined || page.length < pageSize) return
    after = { row: last.row, column: last.column }
  }
}

import { sql, type Kysely, type Selectable } from 'kysely'
import type { Database } from '../database.js'
import type { DoNotCallTable } from './flow-task.table.js'
import { taskRules } from './task-rules.js'

/**
 * Stores a chunk of negative numbers listed by one negatives upload for a contacts request and
 * turns that request's tasks for them that still wait for a call into NEGATIVE, marked as
 * cancelled by the upload: those never called, and also those retriggered or waiting for a
 * retry, which must not be called again. A call in flight finishes and records its result.
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
      AND ${taskRules.awaitingCall('t')}
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

/**
 * Adds numbers to the global do-not-call list, marked with the import that listed them (a
 * number already on the list keeps its first); returns how many were new.
 */
export async function addDoNotCall(
  db: Kysely<Database>,
  phones: string[],
  addedBy: string,
  importId: string | null = null,
): Promise<number> {
  if (phones.length === 0) return 0
  const result = await db
    .insertInto('do_not_call')
    .values(phones.map((phone) => ({ phone, added_by: addedBy, import_id: importId })))
    .onConflict((oc) => oc.column('phone').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/** A number's entry on the global do-not-call list, or undefined. */
export async function findDoNotCall(
  db: Kysely<Database>,
  phone: string,
): Promise<Selectable<DoNotCallTable> | undefined> {
  return db.selectFrom('do_not_call').selectAll().where('phone', '=', phone).executeTakeFirst()
}

/** Takes a number off the global do-not-call list; false when it was not on it. */
export async function removeDoNotCall(db: Kysely<Database>, phone: string): Promise<boolean> {
  const result = await db.deleteFrom('do_not_call').where('phone', '=', phone).executeTakeFirst()
  return result.numDeletedRows > 0n
}

import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { JobRequestRow, ReportManifest } from './job-request.table.js'

// The attempts of a report job: claimed by one worker at a time, each write of an attempt
// fenced by its number, so that an attempt taken over changes nothing any more.

/**
 * Claims a job to run it: a queued one, or (`staleBefore`) a running one whose worker stopped
 * heartbeating before then, a takeover. The attempt is counted and the heartbeat set.
 */
export async function claimReportJob(
  db: Kysely<Database>,
  id: string,
  now: Date,
  from: { status: 'queued' } | { status: 'running'; staleBefore: Date },
): Promise<JobRequestRow | undefined> {
  let query = db
    .updateTable('job_requests')
    .set((eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      heartbeat_at: now,
      requeued_at: null,
      started_at: eb.fn.coalesce('started_at', sql<Date>`${now}`),
      rows_written: '0',
    }))
    .where('id', '=', id)
    .where('status', '=', from.status)
  if (from.status === 'running') query = query.where('heartbeat_at', '<', from.staleBefore)
  return query.returningAll().executeTakeFirst()
}

/** A job as its attempt `attempt` holds it: nothing changes for an attempt taken over since. */
const held = (db: Kysely<Database>, job: Pick<JobRequestRow, 'id' | 'attempts'>) =>
  db
    .updateTable('job_requests')
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('attempts', '=', job.attempts)

/** Records an attempt's progress; false when the job was taken over (the attempt must stop). */
export async function heartbeatReportJob(
  db: Kysely<Database>,
  job: Pick<JobRequestRow, 'id' | 'attempts'>,
  now: Date,
  rowsWritten: number,
): Promise<boolean> {
  const result = await held(db, job)
    .set({ heartbeat_at: now, rows_written: String(rowsWritten) })
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Records a part file the attempt finished; false when the job was taken over. */
export async function recordPartFile(
  db: Kysely<Database>,
  job: Pick<JobRequestRow, 'id' | 'attempts'>,
  fileId: string,
): Promise<boolean> {
  const result = await held(db, job)
    .set({ part_files: sql<string[]>`array_append(part_files, ${fileId}::uuid)` })
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Forgets the part files of an earlier attempt (once they are removed). */
export async function clearPartFiles(
  db: Kysely<Database>,
  job: Pick<JobRequestRow, 'id' | 'attempts'>,
): Promise<void> {
  await held(db, job).set({ part_files: [] }).execute()
}

/** Starts another attempt of a held job after a transient error; undefined when taken over. */
export async function retryReportJob(
  db: Kysely<Database>,
  job: Pick<JobRequestRow, 'id' | 'attempts'>,
  now: Date,
  error: string,
): Promise<JobRequestRow | undefined> {
  return held(db, job)
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      heartbeat_at: now,
      error,
      rows_written: '0',
    }))
    .returningAll()
    .executeTakeFirst()
}

/** Puts a held job back in the queue (its worker is stopping); false when taken over. */
export async function releaseReportJob(
  db: Kysely<Database>,
  job: Pick<JobRequestRow, 'id' | 'attempts'>,
): Promise<boolean> {
  const result = await held(db, job)
    .set((eb) => ({ status: 'queued', attempts: eb('attempts', '-', 1), heartbeat_at: null }))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Ends a held job; false when it was taken over (its outcome is then the other attempt's). */
export async function finishReportJob(
  db: Kysely<Database>,
  job: Pick<JobRequestRow, 'id' | 'attempts'>,
  end:
    | { status: 'succeeded'; at: Date; output: ReportManifest; expiresAt: Date }
    | { status: 'failed'; at: Date; error: string; expiresAt: Date },
): Promise<boolean> {
  const result = await held(db, job)
    .set({
      status: end.status,
      finished_at: end.at,
      expires_at: end.expiresAt,
      heartbeat_at: null,
      ...(end.status === 'succeeded'
        ? {
            job_output: JSON.stringify(end.output),
            rows_written: String(end.output.total),
            error: null,
          }
        : { error: end.error }),
    })
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Fails a job that is not finished, whoever holds it (its entry was dead-lettered). */
export async function failReportJob(
  db: Kysely<Database>,
  id: string,
  at: Date,
  error: string,
  expiresAt: Date,
): Promise<void> {
  await db
    .updateTable('job_requests')
    .set({ status: 'failed', finished_at: at, expires_at: expiresAt, heartbeat_at: null, error })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .execute()
}

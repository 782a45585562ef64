import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import {
  REPORT_BATCH_TYPE,
  type JobRequestRow,
  type JobStatus,
  type ReportJobInput,
  type ReportManifest,
} from './job-request.table.js'

/** A report run to request. */
export interface NewReportJob {
  id: string
  owner: string
  templateId: string
  input: ReportJobInput
  /** The schedule and its instant; null for a run made now. */
  scheduleId: string | null
  scheduleDate: Date
  createdAt: Date
}

/**
 * Requests a report run with its mapping row, in one transaction: once per schedule and instant
 * (the mapping's unique key). Returns the job that holds the instant, new or not.
 */
export async function requestReportJob(
  db: Kysely<Database>,
  job: NewReportJob,
): Promise<{ job: JobRequestRow; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const mapped = await trx
      .insertInto('report_job_mapping')
      .values({
        job_request_id: job.id,
        template_id: job.templateId,
        schedule_id: job.scheduleId,
        schedule_date: job.scheduleDate,
      })
      .onConflict((oc) => oc.columns(['schedule_id', 'schedule_date']).doNothing())
      .returning('job_request_id')
      .executeTakeFirst()
    if (mapped === undefined) {
      const held = await trx
        .selectFrom('report_job_mapping as m')
        .innerJoin('job_requests as j', 'j.id', 'm.job_request_id')
        .selectAll('j')
        .where('m.schedule_id', '=', job.scheduleId)
        .where('m.schedule_date', '=', job.scheduleDate)
        .executeTakeFirstOrThrow()
      return { job: held, created: false }
    }
    // The mapping row, written first to hold the instant, refers to the job: the key is
    // checked when the transaction commits.
    const row = await trx
      .insertInto('job_requests')
      .values({
        id: job.id,
        batch_type_id: REPORT_BATCH_TYPE,
        owner: job.owner,
        template_id: job.templateId,
        job_input: JSON.stringify(job.input),
        heartbeat_at: null,
        requeued_at: null,
        error: null,
        created_at: job.createdAt,
        started_at: null,
        finished_at: null,
        expires_at: null,
        pruned_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return { job: row, created: true }
  })
}

/** A report job, if any. */
export async function findReportJob(
  db: Kysely<Database>,
  id: string,
): Promise<JobRequestRow | undefined> {
  return db
    .selectFrom('job_requests')
    .selectAll()
    .where('id', '=', id)
    .where('batch_type_id', '=', REPORT_BATCH_TYPE)
    .executeTakeFirst()
}

/** Report jobs (one owner's, or all), newest first, after `before` (a job id) when paging. */
export async function listReportJobs(
  db: Kysely<Database>,
  filter: {
    owner?: string | undefined
    templateId?: string | undefined
    status?: JobStatus | undefined
  },
  page: { limit: number; before?: { createdAt: Date; id: string } | undefined },
): Promise<JobRequestRow[]> {
  let query = db
    .selectFrom('job_requests')
    .selectAll()
    .where('batch_type_id', '=', REPORT_BATCH_TYPE)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
  if (filter.owner !== undefined) query = query.where('owner', '=', filter.owner)
  if (filter.templateId !== undefined) query = query.where('template_id', '=', filter.templateId)
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  const before = page.before
  if (before !== undefined)
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    )
  return query.execute()
}

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

/**
 * Marks for queueing again the jobs that nobody runs: running ones whose heartbeat is older than
 * `staleBefore` and queued ones waiting since before it, each at most once per such period (so
 * that any number of sweepers queue a job once). Returns their ids.
 */
export async function requeueStalledReportJobs(
  db: Kysely<Database>,
  now: Date,
  staleBefore: Date,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('job_requests')
    .set({ requeued_at: now })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('job_requests')
        .select('id')
        .where('batch_type_id', '=', REPORT_BATCH_TYPE)
        .where((w) =>
          w.or([
            w.and([w('status', '=', 'running'), w('heartbeat_at', '<', staleBefore)]),
            w.and([w('status', '=', 'queued'), w('created_at', '<', staleBefore)]),
          ]),
        )
        .where((w) => w.or([w('requeued_at', 'is', null), w('requeued_at', '<', staleBefore)]))
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning('id')
    .execute()
  return rows.map((r) => r.id)
}

/** Jobs not finished (to queue again after Redis lost its streams). */
export async function unfinishedReportJobs(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('job_requests')
    .select('id')
    .where('batch_type_id', '=', REPORT_BATCH_TYPE)
    .where('status', 'in', ['queued', 'running'])
    .orderBy('created_at')
    .execute()
  return rows.map((r) => r.id)
}

/** Finished jobs whose outputs are past their retention and not pruned yet. */
export async function expiredReportJobs(
  db: Kysely<Database>,
  now: Date,
  limit: number,
): Promise<JobRequestRow[]> {
  return db
    .selectFrom('job_requests')
    .selectAll()
    .where('batch_type_id', '=', REPORT_BATCH_TYPE)
    .where('expires_at', '<=', now)
    .where('pruned_at', 'is', null)
    .orderBy('expires_at')
    .limit(limit)
    .execute()
}

/** Records that a job's output files were removed. */
export async function markReportJobPruned(
  db: Kysely<Database>,
  id: string,
  at: Date,
): Promise<void> {
  await db.updateTable('job_requests').set({ pruned_at: at }).where('id', '=', id).execute()
}

/** Report jobs by status, and running ones with a heartbeat older than `staleBefore`. */
export async function reportJobGauges(
  db: Kysely<Database>,
  staleBefore: Date,
): Promise<{ byStatus: Record<string, number>; stalled: number }> {
  const rows = await db
    .selectFrom('job_requests')
    .select((eb) => [
      'status',
      eb.fn.countAll<string>().as('n'),
      eb.fn
        .countAll<string>()
        .filterWhere((w) =>
          w.and([w('status', '=', 'running'), w('heartbeat_at', '<', staleBefore)]),
        )
        .as('stalled'),
    ])
    .where('batch_type_id', '=', REPORT_BATCH_TYPE)
    .groupBy('status')
    .execute()
  const byStatus: Record<string, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 }
  let stalled = 0
  for (const row of rows) {
    byStatus[row.status] = Number(row.n)
    stalled += Number(row.stalled)
  }
  return { byStatus, stalled }
}

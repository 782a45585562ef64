import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import { olderThan } from '../keyset.js'
import {
  REPORT_BATCH_TYPE,
  type JobRequestRow,
  type JobStatus,
  type ReportJobInput,
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
  /** A run now: asked for again with this key, the job first made is given back. */
  idempotencyKey?: string | undefined
}

/**
 * Requests a report run with its mapping row, in one transaction: once per schedule and instant,
 * and once per template and `Idempotency-Key` (the mapping's unique keys). Returns the job that
 * holds them, new or not.
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
        idempotency_key: job.idempotencyKey ?? null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('job_request_id')
      .executeTakeFirst()
    if (mapped === undefined) {
      const held = await trx
        .selectFrom('report_job_mapping as m')
        .innerJoin('job_requests as j', 'j.id', 'm.job_request_id')
        .selectAll('j')
        .where((eb) =>
          eb.or([
            eb.and([
              eb('m.schedule_id', '=', job.scheduleId),
              eb('m.schedule_date', '=', job.scheduleDate),
            ]),
            eb.and([
              eb('m.template_id', '=', job.templateId),
              eb('m.idempotency_key', '=', job.idempotencyKey ?? null),
            ]),
          ]),
        )
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
  if (page.before !== undefined) query = query.where(olderThan(page.before))
  return query.execute()
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

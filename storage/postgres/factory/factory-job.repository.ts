import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { olderThan } from '../keyset.js'
import type {
  FactoryJobRow,
  FactoryJobStatus,
  FactoryRowStatus,
  NewFactoryJobRow,
} from './factory.table.js'

/** Statuses of a job still being worked on. */
export const RUNNING_STATUSES = ['accepted', 'validating', 'creating', 'annotating'] as const

/**
 * Records a job, or finds the one it repeats: the same caller's `idempotency_key`, or the same
 * file, type, campaign and action while that one runs. `created` tells which.
 */
export async function insertOrFindJob(
  db: Kysely<Database>,
  job: NewFactoryJobRow,
): Promise<{ row: FactoryJobRow; created: boolean }> {
  const inserted = await db
    .insertInto('factory_job')
    .values(job)
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
  if (inserted !== undefined) return { row: inserted, created: true }
  const existing = await db
    .selectFrom('factory_job')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([
          eb('created_by', '=', job.created_by),
          eb('idempotency_key', '=', job.idempotency_key ?? null),
        ]),
        eb.and([
          eb('file_id', '=', job.file_id),
          eb('type', '=', job.type),
          eb('campaign_id', '=', job.campaign_id),
          eb('action', '=', job.action),
          eb('status', 'in', RUNNING_STATUSES),
        ]),
      ]),
    )
    .orderBy('created_at', 'desc')
    .executeTakeFirst()
  // Finished between the two statements: record it again.
  return existing === undefined ? insertOrFindJob(db, job) : { row: existing, created: false }
}

/** A job, if any. */
export async function findJob(
  db: Kysely<Database>,
  id: string,
): Promise<FactoryJobRow | undefined> {
  return db.selectFrom('factory_job').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Deletes a job that could not be queued (its rows go with it). */
export async function deleteJob(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('factory_job').where('id', '=', id).execute()
}

/**
 * Moves a job to `status` when it is in one of `from` (or any status when unset); returns the
 * row, or undefined when it was elsewhere.
 */
export async function moveJob(
  db: Kysely<Database>,
  id: string,
  status: FactoryJobStatus,
  at: Date,
  changes: {
    from?: readonly FactoryJobStatus[]
    error?: string | null
    processedFileId?: string
  } = {},
): Promise<FactoryJobRow | undefined> {
  const final = !(RUNNING_STATUSES as readonly string[]).includes(status)
  let query = db
    .updateTable('factory_job')
    .set({
      status,
      updated_at: at,
      completed_at: final ? at : null,
      ...(changes.error === undefined ? {} : { error: changes.error }),
      ...(changes.processedFileId === undefined
        ? {}
        : { processed_file_id: changes.processedFileId }),
    })
    .where('id', '=', id)
  if (changes.from !== undefined) query = query.where('status', 'in', changes.from)
  return query.returningAll().executeTakeFirst()
}

/** Marks a running job as alive (its progress time), for the stalled-job alert. */
export async function touchJob(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db.updateTable('factory_job').set({ updated_at: at }).where('id', '=', id).execute()
}

/** A job's rows by status. */
export async function rowCounts(
  db: Kysely<Database>,
  jobId: string,
): Promise<Record<FactoryRowStatus, number>> {
  const rows = await db
    .selectFrom('factory_row')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('job_id', '=', jobId)
    .groupBy('status')
    .execute()
  const counts = { PENDING: 0, VALID: 0, INVALID: 0, CREATED: 0, EXISTING: 0, FAILED: 0 }
  for (const r of rows) counts[r.status] = Number(r.n)
  return counts
}

/** What jobs are searched by. */
export interface JobCriteria {
  type?: string | undefined
  campaignId?: string | undefined
  status?: FactoryJobStatus | undefined
  /** Only this user's jobs; every job when unset (an admin). */
  createdBy?: string | undefined
  ids?: readonly string[] | undefined
}

/** A page of jobs matching `criteria`, newest first, before the job `before`. */
export async function searchJobs(
  db: Kysely<Database>,
  criteria: JobCriteria,
  limit: number,
  before?: FactoryJobRow,
): Promise<FactoryJobRow[]> {
  let query = db
    .selectFrom('factory_job')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
  if (criteria.type !== undefined) query = query.where('type', '=', criteria.type)
  if (criteria.campaignId !== undefined)
    query = query.where('campaign_id', '=', criteria.campaignId)
  if (criteria.status !== undefined) query = query.where('status', '=', criteria.status)
  if (criteria.createdBy !== undefined) query = query.where('created_by', '=', criteria.createdBy)
  if (criteria.ids !== undefined)
    query = query.where('id', 'in', criteria.ids.length === 0 ? [''] : criteria.ids)
  if (before !== undefined)
    query = query.where(olderThan({ createdAt: before.created_at, id: before.id }))
  return query.execute()
}

/** Counts of jobs by status, for metrics; and how many running ones made no progress since `staleBefore`. */
export async function jobGauges(
  db: Kysely<Database>,
  staleBefore: Date,
): Promise<{ byStatus: Record<string, number>; stalled: number }> {
  const rows = await db
    .selectFrom('factory_job')
    .select([
      'status',
      (eb) => eb.fn.countAll<string>().as('n'),
      sql<string>`count(*) FILTER (WHERE updated_at < ${staleBefore})`.as('stale'),
    ])
    .groupBy('status')
    .execute()
  const byStatus: Record<string, number> = {}
  let stalled = 0
  for (const r of rows) {
    byStatus[r.status] = Number(r.n)
    if ((RUNNING_STATUSES as readonly string[]).includes(r.status)) stalled += Number(r.stale)
  }
  return { byStatus, stalled }
}

/** Ids of the jobs still running, to queue again after Redis was lost. */
export async function runningJobs(
  db: Kysely<Database>,
): Promise<{ id: string; status: FactoryJobStatus }[]> {
  return db
    .selectFrom('factory_job')
    .select(['id', 'status'])
    .where('status', 'in', RUNNING_STATUSES)
    .execute()
}

/** The newest creation job of a type in a campaign that ended with created rows, if any. */
export async function latestCreationJob(
  db: Kysely<Database>,
  campaignId: string,
  type: string,
): Promise<FactoryJobRow | undefined> {
  return db
    .selectFrom('factory_job')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('type', '=', type)
    .where('action', '=', 'create')
    .where('status', 'in', ['completed', 'partial'])
    .orderBy('completed_at', 'desc')
    .executeTakeFirst()
}

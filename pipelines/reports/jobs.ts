import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import { DATASETS } from '../../storage/postgres/reports/datasets.js'
import {
  findReportJob,
  listReportJobs,
  requestReportJob,
} from '../../storage/postgres/reports/job-request.repository.js'
import type {
  JobRequestRow,
  JobStatus,
  ReportJobInput,
} from '../../storage/postgres/reports/job-request.table.js'
import type { ReportTemplateRow } from '../../storage/postgres/reports/report-template.table.js'
import type { Redis } from 'ioredis'
import { execAll } from '../../storage/redis/connection.js'
import type { Keys } from '../../storage/redis/keys.js'
import { DomainError, ownRowOr404, type RowReader } from '../domain-error.js'
import type { ReportsDeps } from './deps.js'
import { templateOf, templateOwner } from './templates.js'

/** What a run of `template` reads, fixed now: its columns with their types, filters and sort. */
export function jobInput(
  template: ReportTemplateRow,
  run: { scheduledForMs: number; timezone: string; scheduleId?: string | undefined },
): ReportJobInput {
  const columns = DATASETS[template.dataset]?.columns ?? {}
  return {
    templateId: template.id,
    dynamicMapping: true,
    dynamicColumns: template.columns.map((c) => ({
      columnName: c.column,
      dataType: columns[c.column] ?? 'string',
      label: c.label ?? c.column,
    })),
    scheduledFor: new Date(run.scheduledForMs).toISOString(),
    filters: template.filters,
    sort: template.sort,
    dataset: template.dataset,
    name: template.name,
    format: template.format,
    bom: template.bom,
    timezone: run.timezone,
    ...(run.scheduleId === undefined ? {} : { scheduleId: run.scheduleId }),
    runAs: templateOwner(template),
  }
}

/**
 * Requests a run of `template` for an instant: a job request and its mapping row, once per
 * schedule and instant (a run made now has no schedule and is always new). Returns the job.
 */
export async function requestRun(
  deps: Pick<ReportsDeps, 'db' | 'clock'>,
  template: ReportTemplateRow,
  run: {
    scheduledForMs: number
    timezone: string
    scheduleId?: string | undefined
    idempotencyKey?: string | undefined
  },
): Promise<{ job: JobRequestRow; created: boolean }> {
  return requestReportJob(deps.db, {
    id: randomUUID(),
    owner: template.owner,
    templateId: template.id,
    input: jobInput(template, run),
    scheduleId: run.scheduleId ?? null,
    scheduleDate: new Date(run.scheduledForMs),
    createdAt: new Date(deps.clock.now()),
    idempotencyKey: run.idempotencyKey,
  })
}

/** Queues jobs for the export worker. */
export async function queueExports(
  redis: Redis,
  keys: Keys,
  jobIds: readonly string[],
): Promise<void> {
  if (jobIds.length === 0) return
  const pipeline = redis.pipeline()
  for (const jobId of jobIds) pipeline.xadd(keys.reportsExport, '*', 'jobId', jobId)
  await execAll(pipeline)
}

/**
 * Runs a template the caller may read now, relative dates resolved in `timezone`: the job is
 * queued at once (should queueing fail, the sweeper queues it within `REPORT_STALL_SECONDS`).
 * Asked again with the same `idempotencyKey` for the template, the job it made is given back.
 */
export async function runNow(
  deps: Pick<ReportsDeps, 'db' | 'clock' | 'redis' | 'keys'>,
  templateId: string,
  caller: RowReader,
  run: { timezone: string; idempotencyKey?: string | undefined },
): Promise<{ job: JobRequestRow; created: boolean }> {
  const template = await templateOf(deps.db, templateId, caller)
  const requested = await requestRun(deps, template, { scheduledForMs: deps.clock.now(), ...run })
  if (requested.created) await queueExports(deps.redis, deps.keys, [requested.job.id])
  return requested
}

/** The report job `id` as `reader` may see it (their own, or any for an admin); 404 otherwise. */
export async function reportJobOf(
  db: Kysely<Database>,
  id: string,
  reader: RowReader,
): Promise<JobRequestRow> {
  return ownRowOr404(
    id,
    reader,
    (key) => findReportJob(db, key),
    (row) => row.owner,
    { code: 'job_not_found', message: `No report job ${id}` },
  )
}

/** The jobs `reader` may see (an admin: all), newest first, paged by the last job seen. */
export async function reportJobs(
  db: Kysely<Database>,
  reader: RowReader,
  filter: { templateId?: string | undefined; status?: JobStatus | undefined },
  page: { limit: number; after?: string | undefined },
): Promise<JobRequestRow[]> {
  const last = page.after === undefined ? undefined : await reportJobOf(db, page.after, reader)
  return listReportJobs(
    db,
    { ...filter, ...(reader.admin ? {} : { owner: reader.userId }) },
    {
      limit: page.limit,
      before: last === undefined ? undefined : { createdAt: last.created_at, id: last.id },
    },
  )
}

/** A job as the contract shows it. */
export function reportJobView(row: JobRequestRow) {
  const input = row.job_input
  return {
    id: row.id,
    batchTypeId: row.batch_type_id,
    templateId: row.template_id,
    ...(input.scheduleId === undefined ? {} : { scheduleId: input.scheduleId }),
    owner: row.owner,
    status: row.status,
    scheduledFor: input.scheduledFor,
    timezone: input.timezone,
    format: input.format,
    attempts: row.attempts,
    rowsWritten: Number(row.rows_written),
    heartbeatAt: row.heartbeat_at?.toISOString() ?? null,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    outputPruned: row.pruned_at !== null,
    ...(row.job_output === null
      ? {}
      : { total: row.job_output.total, parts: row.job_output.parts.length }),
  }
}

/** A finished job's manifest: 409 while it runs or when it failed, 410 once pruned. */
export function jobManifest(row: JobRequestRow) {
  if (row.pruned_at !== null)
    throw new DomainError(
      'gone',
      'output_expired',
      `The output of report job ${row.id} was removed after its retention period`,
    )
  if (row.status !== 'succeeded' || row.job_output === null)
    throw new DomainError(
      'conflict',
      'output_not_ready',
      row.status === 'failed'
        ? `Report job ${row.id} failed: ${row.error ?? 'no reason recorded'}`
        : `Report job ${row.id} is ${row.status}; its output is not written yet`,
    )
  return { jobId: row.id, scheduledFor: row.job_input.scheduledFor, ...row.job_output }
}

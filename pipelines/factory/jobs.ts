import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import {
  deleteJob,
  findJob,
  insertOrFindJob,
  moveJob,
  rowCounts,
} from '../../storage/postgres/factory/factory-job.repository.js'
import {
  retryFailedRows,
  rowErrorsPage,
} from '../../storage/postgres/factory/factory-row.repository.js'
import type {
  FactoryJobRow,
  FactoryRowStatus,
} from '../../storage/postgres/factory/factory.table.js'
import { DomainError, ownRowOr404, type RowReader } from '../domain-error.js'
import { sheetFormat } from '../files/sheet-read.js'
import { storedFileOf } from '../files/stored-files.js'
import type { FactoryDeps } from './deps.js'
import { projectCampaignOf, projectSettings } from './project-campaigns.js'
import { schemaOf } from './schemas.js'

/** What a caller asks the factory to do with a sheet. */
export interface JobRequest {
  type: string
  fileStoreId: string
  hierarchyType: string
  campaignId: string
  action: 'create' | 'validate'
}

/** Who asks. */
export type Requester = RowReader

/**
 * Accepts a sheet for validation (and creation): the type must have a schema, the campaign be a
 * project campaign of that hierarchy, the file be a CSV or XLSX the caller may read. The same
 * `idempotencyKey`, or the same file, type, campaign and action while a job runs, gives back
 * that job (`replayed`). The job is queued for its validate phase.
 */
export async function acceptJob(
  deps: Pick<FactoryDeps, 'db' | 'redis' | 'keys'>,
  request: JobRequest,
  caller: Requester,
  idempotencyKey?: string,
): Promise<{ row: FactoryJobRow; replayed: boolean }> {
  const schema = await schemaOf(deps.db, request.type)
  const campaign = await projectCampaignOf(deps.db, request.campaignId)
  if (campaign.status === 'Cancelled')
    throw new DomainError('conflict', 'campaign_revoked', `Campaign ${campaign.id} was revoked`)
  const settings = projectSettings(campaign)
  if (settings.hierarchyType !== request.hierarchyType)
    throw new DomainError(
      'invalid',
      'hierarchy_mismatch',
      `Campaign ${campaign.id} is over the hierarchy ${settings.hierarchyType}, not ${request.hierarchyType}`,
    )
  const file = await storedFileOf(deps.db, request.fileStoreId, caller)
  sheetFormat(file)
  const { row, created } = await insertOrFindJob(deps.db, {
    id: randomUUID(),
    type: request.type,
    schema_version: schema.version,
    campaign_id: campaign.id,
    hierarchy_type: request.hierarchyType,
    file_id: file.id,
    action: request.action,
    idempotency_key: idempotencyKey ?? null,
    created_by: caller.userId,
    error: null,
    processed_file_id: null,
    completed_at: null,
  })
  if (!created) return { row, replayed: true }
  try {
    await deps.redis.xadd(deps.keys.factoryValidate, '*', 'jobId', row.id)
  } catch (error) {
    await deleteJob(deps.db, row.id) // the caller's retry makes the only job
    throw error
  }
  return { row, replayed: false }
}

/** The job `id` as `reader` may see it (its own, or any for an admin); 404 `job_not_found`. */
export async function jobOf(
  db: Kysely<Database>,
  id: string,
  reader: Requester,
): Promise<FactoryJobRow> {
  return ownRowOr404(
    id,
    reader,
    (key) => findJob(db, key),
    (row) => row.created_by,
    {
      code: 'job_not_found',
      message: `No factory job ${id}`,
    },
  )
}

/** The phase each status belongs to. */
const PHASES: Record<FactoryJobRow['status'], string> = {
  accepted: 'queued',
  validating: 'validate',
  creating: 'create',
  annotating: 'annotate',
  completed: 'done',
  invalid: 'done',
  partial: 'done',
  failed: 'done',
}

/** A job's row counts as the contract names them. */
export function countsView(counts: Record<FactoryRowStatus, number>) {
  return {
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    valid: counts.VALID + counts.CREATED + counts.EXISTING + counts.FAILED,
    invalid: counts.INVALID,
    created: counts.CREATED,
    existing: counts.EXISTING,
    failed: counts.FAILED,
    pending: counts.PENDING + counts.VALID,
  }
}

/** A job as lists show it. */
export function jobSummary(row: FactoryJobRow) {
  return {
    id: row.id,
    type: row.type,
    schemaVersion: row.schema_version,
    campaignId: row.campaign_id,
    hierarchyType: row.hierarchy_type,
    action: row.action,
    status: row.status,
    phase: PHASES[row.status],
    fileStoreId: row.file_id,
    ...(row.processed_file_id === null ? {} : { processedFileStoreId: row.processed_file_id }),
    ...(row.error === null ? {} : { error: row.error }),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.completed_at === null ? {} : { completedAt: row.completed_at.toISOString() }),
  }
}

/** How many row errors a job's status shows (all of them are in its errors.csv). */
export const SHOWN_ERRORS = 1000

/** A job's full status: its summary, row counts and first {@link SHOWN_ERRORS} errors. */
export async function jobStatus(db: Kysely<Database>, row: FactoryJobRow) {
  const counts = countsView(await rowCounts(db, row.id))
  // Rows hold several errors at times: a page of rows gives at least as many errors.
  const errors = (await rowErrorsPage(db, row.id, 0, SHOWN_ERRORS)).slice(0, SHOWN_ERRORS)
  return { ...jobSummary(row), counts, errors }
}

/**
 * Runs a finished job's FAILED rows again (search first, so none is created twice): 409
 * `not_retryable` unless the job ended `partial`.
 */
export async function retryJob(
  deps: Pick<FactoryDeps, 'db' | 'redis' | 'keys' | 'clock'>,
  row: FactoryJobRow,
): Promise<FactoryJobRow> {
  if (row.status !== 'partial')
    throw new DomainError(
      'conflict',
      'not_retryable',
      `Job ${row.id} is ${row.status}: only a partial creation is retried`,
    )
  const moved = await moveJob(deps.db, row.id, 'creating', new Date(deps.clock.now()), {
    from: ['partial'],
    error: null,
  })
  if (moved === undefined) return (await findJob(deps.db, row.id)) ?? row // retried meanwhile
  await retryFailedRows(deps.db, row.id)
  await deps.redis.xadd(deps.keys.factoryCreate, '*', 'jobId', row.id)
  return moved
}

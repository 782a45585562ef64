import { randomBytes, randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import { requiredColumns } from '../../operators/replay/row-map.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  createRun,
  findRun,
  listRuns,
} from '../../storage/postgres/replay/replay-run.repository.js'
import type {
  ReplayClientConfig,
  ReplayRunRow,
} from '../../storage/postgres/replay/replay-run.table.js'
import type { ReplayClientRow } from '../../storage/postgres/replay/replay-client.table.js'
import { DomainError } from '../domain-error.js'
import { missingColumn, readCsv } from '../files/csv-read.js'
import { FileProblem } from '../files/file-problem.js'
import { storedFileOf, storeFile, type StoredFile } from '../files/stored-files.js'
import { findStoredFile } from '../../storage/postgres/stored-file.repository.js'
import { clientOf } from './clients.js'
import type { ReplayDeps } from './deps.js'

/** How a run is made. */
export interface RunOptions {
  dryRun: boolean
  /** A live run with more exceptions than this share of its rows is refused. @defaultValue 0.05 */
  maxExceptionRate: number
  /** Fire even above the exception rate. */
  force: boolean
  /** Requests a second, instead of the client's. */
  rate?: number | undefined
}

const configOf = (client: ReplayClientRow): ReplayClientConfig => ({
  accountToken: client.account_token,
  tokenField: client.token_field,
  targetUrl: client.target_url,
  method: client.method,
  mapping: client.mapping,
  ratePerSecond: client.rate_per_second,
  timeoutMs: client.timeout_ms,
  maxAttempts: client.max_attempts,
})

/**
 * Reads a kept CSV whole and refuses what would make every row unusable, before anything is
 * fired: not UTF-8, unbalanced quotes, a header without a required mapped column or with a
 * column that is not among the client's template `columns` (when it lists them; a header cell
 * left empty is not one), no data row.
 */
export async function checkReplayCsv(
  source: Readable,
  required: readonly string[],
  columns?: readonly string[],
): Promise<void> {
  let rows = 0
  await readCsv(
    source,
    {
      onHeader: (names) => {
        const missing = required.find((column) => !names.includes(column))
        if (missing !== undefined)
          throw new FileProblem('missing_column', missingColumn(missing, names), 1)
        const unknown = names.filter(
          (name, i) => columns?.includes(name) === false && name !== `column_${i + 1}`,
        )
        if (unknown.length > 0)
          throw new FileProblem(
            'unknown_column',
            `The header has ${unknown.map((n) => JSON.stringify(n)).join(', ')}, not among the client's columns (${columns?.map((n) => JSON.stringify(n)).join(', ')}); is one misspelt?`,
            1,
          )
      },
    },
    async (records) => {
      for await (const _record of records) rows++
    },
  )
  if (rows === 0) throw new FileProblem('empty_file', 'The file has no data rows')
}

/** Queues the stage a run is at (a run resumed, or just made). */
export async function queueRun(deps: Pick<ReplayDeps, 'redis' | 'keys'>, run: ReplayRunRow) {
  if (run.status === 'validating')
    await deps.redis.xadd(deps.keys.replayValidate, '*', 'runId', run.id)
  else if (run.status === 'firing' || run.status === 'writing')
    await deps.redis.xadd(deps.keys.replayFire, '*', 'runId', run.id)
}

/**
 * Makes a run of a kept CSV for a client, checked first (see {@link checkReplayCsv}), or resumes
 * the unfinished run of the same client, file and mode; queues it either way.
 */
export async function startRun(
  deps: ReplayDeps,
  input: {
    client: string
    file: StoredFile
    options: RunOptions
    createdBy: string
    sourceRunId?: string
  },
): Promise<{ run: ReplayRunRow; created: boolean }> {
  const client = await clientOf(deps.db, input.client)
  const stored = await findStoredFile(deps.db, input.file.fileStoreId)
  if (stored === undefined)
    throw new DomainError('not_found', 'file_not_found', `No file ${input.file.fileStoreId}`)
  await checkReplayCsv(
    deps.files.read(stored.file_key),
    requiredColumns(client.mapping),
    client.columns ?? undefined,
  )
  const result = await createRun(deps.db, {
    id: randomUUID(),
    client: client.name,
    dryRun: input.options.dryRun,
    token: randomBytes(4).toString('hex'),
    fileStoreId: input.file.fileStoreId,
    fileSha256: input.file.sha256,
    clientConfig: configOf(client),
    sourceRunId: input.sourceRunId ?? null,
    maxExceptionRate: input.options.maxExceptionRate,
    forced: input.options.force,
    ratePerSecond: input.options.rate ?? null,
    createdBy: input.createdBy,
    createdAt: new Date(deps.clock.now()),
  })
  await queueRun(deps, result.run)
  return result
}

/** Keeps an uploaded CSV (the shared intake's limits) and starts a run of it. */
export async function uploadRun(
  deps: ReplayDeps,
  upload: {
    source: Readable
    name: string
    client: string
    options: RunOptions
    createdBy: string
  },
): Promise<{ run: ReplayRunRow; created: boolean }> {
  const file = await storeFile(
    deps,
    {
      source: upload.source,
      name: upload.name,
      contentType: 'text/csv',
      createdBy: upload.createdBy,
    },
    deps.maxUploadBytes,
  )
  return startRun(deps, {
    client: upload.client,
    file,
    options: upload.options,
    createdBy: upload.createdBy,
  })
}

/**
 * Turns a finished dry run into a live run of exactly the rows it validated: the same file,
 * mapped by the client as the dry run kept it.
 */
export async function fireDryRun(
  deps: ReplayDeps,
  dry: ReplayRunRow,
  options: Omit<RunOptions, 'dryRun'>,
  createdBy: string,
): Promise<{ run: ReplayRunRow; created: boolean }> {
  if (!dry.dry_run || dry.status !== 'completed')
    throw new DomainError(
      'conflict',
      'not_a_finished_dry_run',
      `Run ${dry.id} is ${dry.dry_run ? dry.status : 'a live run'}: only a completed dry run can be fired`,
    )
  const file = await storedFileOf(deps.db, dry.file_store_id, { userId: createdBy, admin: true })
  const result = await createRun(deps.db, {
    id: randomUUID(),
    client: dry.client,
    dryRun: false,
    token: randomBytes(4).toString('hex'),
    fileStoreId: dry.file_store_id,
    fileSha256: file.sha256,
    clientConfig: dry.client_config,
    sourceRunId: dry.id,
    maxExceptionRate: options.maxExceptionRate,
    forced: options.force,
    ratePerSecond: options.rate ?? dry.rate_per_second,
    createdBy,
    createdAt: new Date(deps.clock.now()),
  })
  await queueRun(deps, result.run)
  return result
}

/** A run; 404 `run_not_found` when there is none. */
export async function runOf(db: Kysely<Database>, id: string): Promise<ReplayRunRow> {
  const run = /^[0-9a-f-]{36}$/i.test(id) ? await findRun(db, id) : undefined
  if (run === undefined) throw new DomainError('not_found', 'run_not_found', `No replay run ${id}`)
  return run
}

/** Runs, newest first, paged by the last run seen. */
export async function replayRuns(
  db: Kysely<Database>,
  filter: { client?: string | undefined },
  page: { limit: number; after?: string | undefined },
): Promise<ReplayRunRow[]> {
  const last = page.after === undefined ? undefined : await runOf(db, page.after)
  return listRuns(db, filter, {
    limit: page.limit,
    before: last === undefined ? undefined : { createdAt: last.created_at, id: last.id },
  })
}

/** A run as the API shows it. */
export const runView = (run: ReplayRunRow) => ({
  id: run.id,
  client: run.client,
  dryRun: run.dry_run,
  status: run.status,
  token: run.token,
  fileStoreId: run.file_store_id,
  ...(run.source_run_id === null ? {} : { sourceRunId: run.source_run_id }),
  counts: {
    rows: run.rows,
    valid: run.valid,
    warnings: run.warnings,
    exceptions: run.exceptions,
    fired: run.fired,
    succeeded: run.succeeded,
    failed: run.failed,
  },
  fromDate: run.from_date,
  toDate: run.to_date,
  outputs: run.outputs,
  error: run.error,
  createdBy: run.created_by,
  createdAt: run.created_at.toISOString(),
  finishedAt: run.finished_at?.toISOString() ?? null,
})

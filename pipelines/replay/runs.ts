import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import { requiredColumns } from '../../operators/replay/row-map.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  createRun,
  findRun,
  firedFrom,
  listRuns,
} from '../../storage/postgres/replay/replay-run.repository.js'
import type {
  ReplayClientConfig,
  ReplayRunRow,
} from '../../storage/postgres/replay/replay-run.table.js'
import type { ReplayClientRow } from '../../storage/postgres/replay/replay-client.table.js'
import { DomainError } from '../domain-error.js'
import { checkReplayCsv } from './replay-csv.js'
import { discardUpload } from './run-end.js'
import { storedFileOf, storeFile, type StoredFile } from '../files/stored-files.js'
import { findStoredFile } from '../../storage/postgres/stored-file.repository.js'
import { clientOf } from './clients.js'
import type { ReplayDeps } from './deps.js'
import { checkStillKept } from './dry-run-keep.js'

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

/** Queues the stage a run is at (a run resumed, or just made). */
export async function queueRun(deps: Pick<ReplayDeps, 'redis' | 'keys'>, run: ReplayRunRow) {
  if (run.status === 'validating')
    await deps.redis.xadd(deps.keys.replayValidate, '*', 'runId', run.id)
  else if (run.status === 'firing' || run.status === 'writing')
    await deps.redis.xadd(deps.keys.replayFire, '*', 'runId', run.id)
}

/**
 * Makes a run of a kept CSV for a client, checked first (see {@link checkReplayCsv}), or gives
 * back the run it repeats (the caller's run of the same `Idempotency-Key`, or the unfinished run
 * of the same client, file and mode, resumed); queues it either way while unfinished. The kept
 * CSV is removed when it is refused, or when the run resumed reads its own.
 */
export async function startRun(
  deps: ReplayDeps,
  input: {
    client: string
    file: StoredFile
    options: RunOptions
    createdBy: string
    sourceRunId?: string
    /** The caller's `Idempotency-Key`: asked again with it, the run first made is given back. */
    idempotencyKey?: string | undefined
  },
): Promise<{ run: ReplayRunRow; created: boolean }> {
  let client: ReplayClientRow
  try {
    client = await clientOf(deps.db, input.client)
    const stored = await findStoredFile(deps.db, input.file.fileStoreId)
    if (stored === undefined)
      throw new DomainError('not_found', 'file_not_found', `No file ${input.file.fileStoreId}`)
    await checkReplayCsv(
      deps.files.read(stored.file_key),
      requiredColumns(client.mapping),
      client.columns ?? undefined,
    )
  } catch (error) {
    await discardUpload(deps, input.file.fileStoreId) // kept for this run only
    throw error
  }
  const result = await createRun(deps.db, {
    id: randomUUID(),
    client: client.name,
    dryRun: input.options.dryRun,
    fileStoreId: input.file.fileStoreId,
    fileSha256: input.file.sha256,
    clientConfig: configOf(client),
    sourceRunId: input.sourceRunId ?? null,
    maxExceptionRate: input.options.maxExceptionRate,
    forced: input.options.force,
    ratePerSecond: input.options.rate ?? null,
    createdBy: input.createdBy,
    createdAt: new Date(deps.clock.now()),
    idempotencyKey: input.idempotencyKey,
  })
  // Resumed: the run reads the upload it was made with, not this copy.
  if (result.run.file_store_id !== input.file.fileStoreId)
    await discardUpload(deps, input.file.fileStoreId)
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
    idempotencyKey?: string | undefined
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
    idempotencyKey: upload.idempotencyKey,
  })
}

/** A dry run fired already: its live run, resumed while unfinished; 409 once it ended. */
async function firedAlready(
  deps: ReplayDeps,
  dry: ReplayRunRow,
  live: ReplayRunRow,
): Promise<{ run: ReplayRunRow; created: boolean }> {
  if (['completed', 'refused', 'failed'].includes(live.status))
    throw new DomainError(
      'conflict',
      'already_fired',
      `Dry run ${dry.id} was fired already, as run ${live.id} (${live.status}): a dry run fires once; upload the file again for another run`,
    )
  await queueRun(deps, live)
  return { run: live, created: false }
}

/**
 * Turns a finished dry run into a live run of exactly the rows it validated: the same file,
 * mapped by the client as the dry run kept it. A dry run fires once: fired again, its live run
 * is given back while it lasts (409 `already_fired` after); it may be fired for
 * `REPLAY_DRY_RUN_KEEP_DAYS` after it ended (409 `dry_run_expired` later).
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
  const earlier = await firedFrom(deps.db, dry.id)
  if (earlier !== undefined) return firedAlready(deps, dry, earlier)
  checkStillKept(deps, dry)
  const file = await storedFileOf(deps.db, dry.file_store_id, { userId: createdBy, admin: true })
  const result = await createRun(deps.db, {
    id: randomUUID(),
    client: dry.client,
    dryRun: false,
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
  // fired at the same moment by another caller (or a live run of the same file unfinished)
  if (!result.created) return firedAlready(deps, dry, result.run)
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

import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import { olderThan } from '../keyset.js'
import type {
  ReplayClientConfig,
  ReplayOutputs,
  ReplayRunRow,
  ReplayRunStatus,
} from './replay-run.table.js'

/** A run to make. */
export interface NewRun {
  id: string
  client: string
  dryRun: boolean
  fileStoreId: string
  fileSha256: string
  clientConfig: ReplayClientConfig
  sourceRunId: string | null
  maxExceptionRate: number
  forced: boolean
  ratePerSecond: number | null
  createdBy: string
  createdAt: Date
  /** The caller's `Idempotency-Key`: asked again with it, the run first made is given back. */
  idempotencyKey?: string | undefined
}

/**
 * Makes a run, or finds the one it repeats: the caller's run of the same `Idempotency-Key`, the
 * unfinished one of the same client, file and mode (running the same command again resumes
 * it), or the live run of the same dry run (a dry run fires once); `created` tells which.
 */
export async function createRun(
  db: Kysely<Database>,
  run: NewRun,
  attempt = 1,
): Promise<{ run: ReplayRunRow; created: boolean }> {
  const made = await db
    .insertInto('replay_run')
    .values({
      id: run.id,
      client: run.client,
      dry_run: run.dryRun,
      status: 'validating',
      // unique per run, so that runs on one day never share file names
      token: randomBytes(4).toString('hex'),
      file_store_id: run.fileStoreId,
      file_sha256: run.fileSha256,
      client_config: JSON.stringify(run.clientConfig),
      source_run_id: run.sourceRunId,
      max_exception_rate: String(run.maxExceptionRate),
      forced: run.forced,
      rate_per_second: run.ratePerSecond,
      from_date: null,
      to_date: null,
      error: null,
      created_by: run.createdBy,
      created_at: run.createdAt,
      finished_at: null,
      idempotency_key: run.idempotencyKey ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
  if (made !== undefined) return { run: made, created: true }
  const existing = await db
    .selectFrom('replay_run')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([
          eb('created_by', '=', run.createdBy),
          eb('idempotency_key', '=', run.idempotencyKey ?? null),
        ]),
        eb.and([
          eb('client', '=', run.client),
          eb('file_sha256', '=', run.fileSha256),
          eb('dry_run', '=', run.dryRun),
          eb('status', 'in', ['validating', 'firing', 'writing']),
        ]),
        eb('source_run_id', '=', run.sourceRunId),
      ]),
    )
    .orderBy('created_at', 'desc')
    .executeTakeFirst()
  if (existing !== undefined) return { run: existing, created: false }
  // The run it met finished between the two statements, or the token was taken: again.
  if (attempt >= 5) throw new Error(`replay run ${run.id} could not be made`)
  return createRun(db, run, attempt + 1)
}

/** A run, if any. */
export async function findRun(db: Kysely<Database>, id: string): Promise<ReplayRunRow | undefined> {
  return db.selectFrom('replay_run').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Runs, newest first (one client's when given), after `before` when paging. */
export async function listRuns(
  db: Kysely<Database>,
  filter: { client?: string | undefined },
  page: { limit: number; before?: { createdAt: Date; id: string } | undefined },
): Promise<ReplayRunRow[]> {
  let query = db
    .selectFrom('replay_run')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
  if (filter.client !== undefined) query = query.where('client', '=', filter.client)
  if (page.before !== undefined) query = query.where(olderThan(page.before))
  return query.execute()
}

/** Moves a run on from one of `from`; undefined when it is elsewhere. */
export async function moveRun(
  db: Kysely<Database>,
  id: string,
  to: ReplayRunStatus,
  from: readonly ReplayRunStatus[],
  extra: { error?: string; outputs?: ReplayOutputs; finishedAt?: Date } = {},
): Promise<ReplayRunRow | undefined> {
  return db
    .updateTable('replay_run')
    .set({
      status: to,
      ...(extra.error === undefined ? {} : { error: extra.error }),
      ...(extra.outputs === undefined ? {} : { outputs: JSON.stringify(extra.outputs) }),
      ...(extra.finishedAt === undefined ? {} : { finished_at: extra.finishedAt }),
    })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst()
}

/** The unfinished run of a client, file and mode, if any (to resume it). */
export async function unfinishedRun(
  db: Kysely<Database>,
  client: string,
  fileSha256: string,
  dryRun: boolean,
): Promise<ReplayRunRow | undefined> {
  return db
    .selectFrom('replay_run')
    .selectAll()
    .where('client', '=', client)
    .where('file_sha256', '=', fileSha256)
    .where('dry_run', '=', dryRun)
    .where('status', 'in', ['validating', 'firing', 'writing'])
    .executeTakeFirst()
}

/** Records that `replay_completed` was published for a run. */
export async function markPublished(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db.updateTable('replay_run').set({ published_at: at }).where('id', '=', id).execute()
}

/** Sets the counts of a run whose rows were not stored (a dry run, counted as it was read). */
export async function setRunCounts(
  db: Kysely<Database>,
  id: string,
  counts: {
    rows: number
    valid: number
    warnings: number
    exceptions: number
    fromDate: string | null
    toDate: string | null
  },
): Promise<void> {
  await db
    .updateTable('replay_run')
    .set({
      rows: counts.rows,
      valid: counts.valid,
      warnings: counts.warnings,
      exceptions: counts.exceptions,
      from_date: counts.fromDate,
      to_date: counts.toDate,
    })
    .where('id', '=', id)
    .execute()
}

/** The live run made from a dry run, if it was fired. */
export async function firedFrom(
  db: Kysely<Database>,
  dryRunId: string,
): Promise<ReplayRunRow | undefined> {
  return db
    .selectFrom('replay_run')
    .selectAll()
    .where('source_run_id', '=', dryRunId)
    .executeTakeFirst()
}

import type { ExpressionBuilder, Kysely } from 'kysely'
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
  token: string
  fileStoreId: string
  fileSha256: string
  clientConfig: ReplayClientConfig
  sourceRunId: string | null
  maxExceptionRate: number
  forced: boolean
  ratePerSecond: number | null
  createdBy: string
  createdAt: Date
}

/**
 * Makes a run, or finds the unfinished one of the same client, file and mode (running the same
 * command again resumes it); `created` tells which.
 */
export async function createRun(
  db: Kysely<Database>,
  run: NewRun,
): Promise<{ run: ReplayRunRow; created: boolean }> {
  const made = await db
    .insertInto('replay_run')
    .values({
      id: run.id,
      client: run.client,
      dry_run: run.dryRun,
      status: 'validating',
      token: run.token,
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
    })
    .onConflict((oc) =>
      oc
        .columns(['client', 'file_sha256', 'dry_run'])
        .where('status', 'in', ['validating', 'firing', 'writing'])
        .doNothing(),
    )
    .returningAll()
    .executeTakeFirst()
  if (made !== undefined) return { run: made, created: true }
  const existing = await db
    .selectFrom('replay_run')
    .selectAll()
    .where('client', '=', run.client)
    .where('file_sha256', '=', run.fileSha256)
    .where('dry_run', '=', run.dryRun)
    .where('status', 'in', ['validating', 'firing', 'writing'])
    .executeTakeFirstOrThrow()
  return { run: existing, created: false }
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

/**
 * Whether a run other than `exceptRunId` still needs an upload: one unfinished, or a completed
 * dry run not fired yet (its live run reads the same file).
 */
export async function uploadNeeded(
  db: Kysely<Database>,
  fileStoreId: string,
  exceptRunId: string,
): Promise<boolean> {
  const needing = await db
    .selectFrom('replay_run as r')
    .select('r.id')
    .where('r.file_store_id', '=', fileStoreId)
    .where('r.id', '!=', exceptRunId)
    .where((eb) =>
      eb.or([
        eb('r.status', 'in', ['validating', 'firing', 'writing']),
        eb.and([eb('r.dry_run', '=', true), eb('r.status', '=', 'completed'), notFired(eb)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst()
  return needing !== undefined
}

/** Run `r` has not been fired: no live run came from it. */
function notFired(eb: ExpressionBuilder<Database & { r: Database['replay_run'] }, 'r'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('replay_run as fired')
        .select('fired.id')
        .whereRef('fired.source_run_id', '=', 'r.id'),
    ),
  )
}

/**
 * Completed dry runs never fired that ended before `before` and whose upload is still stored,
 * oldest first: their uploads were kept long enough.
 */
export async function staleDryRuns(
  db: Kysely<Database>,
  before: Date,
  limit: number,
): Promise<ReplayRunRow[]> {
  return db
    .selectFrom('replay_run as r')
    .selectAll('r')
    .where('r.dry_run', '=', true)
    .where('r.status', '=', 'completed')
    .where('r.finished_at', '<', before)
    .where((eb) => notFired(eb))
    .where((eb) =>
      eb.exists(
        eb.selectFrom('stored_file as f').select('f.id').whereRef('f.id', '=', 'r.file_store_id'),
      ),
    )
    .orderBy('r.finished_at')
    .limit(limit)
    .execute()
}

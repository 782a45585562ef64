import { setTimeout as sleep } from 'node:timers/promises'
import { refusal, type Database } from './database.js'
import { isPostgresUnavailable } from './postgres-errors.js'
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import * as scoring from './migrations/2026-11-22T10-00-00-scoring.js'
import * as outreach from './migrations/2026-11-22T12-00-00-outreach.js'
import * as taskIndexes from './migrations/2026-11-22T20-00-00-task-indexes.js'
import * as negativeUploads from './migrations/2026-11-22T21-00-00-negative-uploads.js'
import * as scoringForeignKeys from './migrations/2026-11-22T22-00-00-scoring-foreign-keys.js'
import * as uploadDeadLetters from './migrations/2026-11-23T10-00-00-upload-dead-letters.js'
import * as retriggeredTasks from './migrations/2026-11-23T12-00-00-retriggered-tasks.js'
import * as uploadIdempotencyKeys from './migrations/2026-11-24T10-00-00-upload-idempotency-keys.js'
import * as retriggerIndexes from './migrations/2026-11-24T11-00-00-retrigger-indexes.js'
import * as doNotCallImports from './migrations/2026-11-24T12-00-00-do-not-call-imports.js'
import * as uploadSplitDay from './migrations/2026-11-24T13-00-00-upload-split-day.js'
import * as uploadWithdrawal from './migrations/2026-11-24T14-00-00-upload-withdrawal.js'
import * as deadLetters from './migrations/2026-11-25T10-00-00-dead-letters.js'
import * as fileJobProgress from './migrations/2026-11-26T10-00-00-file-job-progress.js'
import * as campaignPause from './migrations/2026-11-27T10-00-00-campaign-pause.js'
import * as refusedRowPhones from './migrations/2026-11-27T11-00-00-refused-row-phones.js'
import * as rowErrorLines from './migrations/2026-12-03T10-00-00-row-error-lines.js'
import * as purchaseTotalMaximum from './migrations/2026-12-03T11-00-00-purchase-total-maximum.js'
import * as failedTaskIndex from './migrations/2026-12-03T12-00-00-failed-task-index.js'
import * as storedFiles from './migrations/2026-12-03T13-00-00-stored-files.js'
import * as factory from './migrations/2026-12-03T14-00-00-factory.js'
import * as reportTemplates from './migrations/2026-12-03T15-00-00-report-templates.js'
import * as reportSchedules from './migrations/2026-12-03T16-00-00-report-schedules.js'
import * as reportJobs from './migrations/2026-12-03T17-00-00-report-jobs.js'
import * as replayClients from './migrations/2026-12-03T18-00-00-replay-clients.js'
import * as replayRuns from './migrations/2026-12-03T19-00-00-replay-runs.js'
import * as replayClientColumns from './migrations/2026-12-03T20-00-00-replay-client-columns.js'
import * as replayFiredOnce from './migrations/2026-12-03T21-00-00-replay-fired-once.js'
import * as replayIdempotency from './migrations/2026-12-04T10-00-00-replay-idempotency.js'
import * as reportRunIdempotency from './migrations/2026-12-04T11-00-00-report-run-idempotency.js'

/** Every migration, by its timestamped name; Kysely applies them in name order. */
const migrations: Record<string, Migration> = {
  '2026-11-22T10-00-00-scoring': scoring,
  '2026-11-22T12-00-00-outreach': outreach,
  '2026-11-22T20-00-00-task-indexes': taskIndexes,
  '2026-11-22T21-00-00-negative-uploads': negativeUploads,
  '2026-11-22T22-00-00-scoring-foreign-keys': scoringForeignKeys,
  '2026-11-23T10-00-00-upload-dead-letters': uploadDeadLetters,
  '2026-11-23T12-00-00-retriggered-tasks': retriggeredTasks,
  '2026-11-24T10-00-00-upload-idempotency-keys': uploadIdempotencyKeys,
  '2026-11-24T11-00-00-retrigger-indexes': retriggerIndexes,
  '2026-11-24T12-00-00-do-not-call-imports': doNotCallImports,
  '2026-11-24T13-00-00-upload-split-day': uploadSplitDay,
  '2026-11-24T14-00-00-upload-withdrawal': uploadWithdrawal,
  '2026-11-25T10-00-00-dead-letters': deadLetters,
  '2026-11-26T10-00-00-file-job-progress': fileJobProgress,
  '2026-11-27T10-00-00-campaign-pause': campaignPause,
  '2026-11-27T11-00-00-refused-row-phones': refusedRowPhones,
  '2026-12-03T10-00-00-row-error-lines': rowErrorLines,
  '2026-12-03T11-00-00-purchase-total-maximum': purchaseTotalMaximum,
  '2026-12-03T12-00-00-failed-task-index': failedTaskIndex,
  '2026-12-03T13-00-00-stored-files': storedFiles,
  '2026-12-03T14-00-00-factory': factory,
  '2026-12-03T15-00-00-report-templates': reportTemplates,
  '2026-12-03T16-00-00-report-schedules': reportSchedules,
  '2026-12-03T17-00-00-report-jobs': reportJobs,
  '2026-12-03T18-00-00-replay-clients': replayClients,
  '2026-12-03T19-00-00-replay-runs': replayRuns,
  '2026-12-03T20-00-00-replay-client-columns': replayClientColumns,
  '2026-12-03T21-00-00-replay-fired-once': replayFiredOnce,
  '2026-12-04T10-00-00-replay-idempotency': replayIdempotency,
  '2026-12-04T11-00-00-report-run-idempotency': reportRunIdempotency,
}

/** Every migration's name, in the order they apply. */
const MIGRATION_NAMES = Object.keys(migrations).sort()

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
  const result: MigrationResultSet = await migrator.migrateToLatest()
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`migration ${failed} failed`, { cause: result.error })
  }
  return (result.results ?? []).map((r) => r.migrationName)
}

/**
 * The migrations this code knows that the database (the first schema on its search path) has
 * not applied, in order: all of them before the first `migrate`.
 */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{
    found: boolean
  }>`SELECT to_regclass('kysely_migration') IS NOT NULL AS found`.execute(db)
  const applied = new Set<string>()
  if (rows[0]?.found === true) {
    const done = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)
    for (const { name } of done.rows) applied.add(name)
  }
  return MIGRATION_NAMES.filter((name) => !applied.has(name))
}

/** What {@link untilMigrated} is waiting for. */
export type SchemaWait = { pending: string[] } | { reason: string }

/** Postgres error code of a database that does not exist (yet: `migrate` creates it). */
const NO_DATABASE = '3D000'

/**
 * Waits until the database has every migration this code knows (a `migrate` run elsewhere, a
 * rolling deployment's migration job), asking every `pollMs`; `onWait` hears what it waits for
 * at most every 5 s: the pending migrations, or why Postgres could not be asked (unreachable,
 * or the database not created yet). A connection refused for another reason (a wrong
 * password, say) throws one line naming the server.
 */
export async function untilMigrated(
  db: Kysely<Database>,
  options: {
    url: string
    onWait: (waiting: SchemaWait) => void
    pollMs?: number
    /** Ends the wait, rejecting with the signal's reason. */
    signal?: AbortSignal
  },
): Promise<void> {
  let told = -Infinity
  for (;;) {
    options.signal?.throwIfAborted()
    let waiting: SchemaWait
    try {
      const pending = await pendingMigrations(db)
      if (pending.length === 0) return
      waiting = { pending }
    } catch (error) {
      const code = String((error as { code?: unknown }).code)
      if (code === NO_DATABASE) waiting = { pending: MIGRATION_NAMES }
      else if (isPostgresUnavailable(error)) waiting = { reason: (error as Error).message || code }
      else throw refusal(options.url, error)
    }
    if (performance.now() - told >= 5000) {
      options.onWait(waiting)
      told = performance.now()
    }
    await sleep(options.pollMs ?? 1000, undefined, { signal: options.signal })
  }
}

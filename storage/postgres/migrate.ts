import type { Database } from './database.js'
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
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
}

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

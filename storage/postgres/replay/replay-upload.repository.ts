import type { ExpressionBuilder, Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ReplayRunRow } from './replay-run.table.js'

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

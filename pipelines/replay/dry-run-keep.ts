import {
  staleDryRuns,
  uploadNeeded,
} from '../../storage/postgres/replay/replay-upload.repository.js'
import type { ReplayRunRow } from '../../storage/postgres/replay/replay-run.table.js'
import { DomainError } from '../domain-error.js'
import { startGuardedLoop, type Loop } from '../runtime/loop.js'
import type { ReplayDeps } from './deps.js'
import { discardUpload } from './run-end.js'

const DAY_MS = 86_400_000

/** How long a dry run may be fired after it ended (`REPLAY_DRY_RUN_KEEP_DAYS`, default 7). */
const keepMs = (deps: Pick<ReplayDeps, 'dryRunKeepDays'>) => (deps.dryRunKeepDays ?? 7) * DAY_MS

/** Until when a completed dry run may be fired. */
export const fireBefore = (deps: Pick<ReplayDeps, 'dryRunKeepDays'>, dry: ReplayRunRow) =>
  new Date((dry.finished_at?.getTime() ?? dry.created_at.getTime()) + keepMs(deps))

/** A dry run that ended longer ago than its keep: 409 `dry_run_expired`. */
export function checkStillKept(deps: ReplayDeps, dry: ReplayRunRow): void {
  if (deps.clock.now() <= fireBefore(deps, dry).getTime()) return
  throw new DomainError(
    'conflict',
    'dry_run_expired',
    `Dry run ${dry.id} ended more than ${keepMs(deps) / DAY_MS} days ago: its upload is no longer kept; upload the file again`,
  )
}

/** Dry runs looked at per pass. */
const PAGE = 100

/**
 * A dry run past its keep is refused at `fire` at once; its upload goes this much later, so a
 * fire that passed that check just before still finds the file.
 */
const GRACE_MS = 3_600_000

/**
 * Removes the uploads of dry runs never fired once they may no longer be fired
 * (`REPLAY_DRY_RUN_KEEP_DAYS` after they ended): the rows are kept only in the output files.
 * Returns how many went, at most a page of them. Any number of processes may sweep at once.
 */
export async function sweepDryRunUploads(deps: ReplayDeps): Promise<number> {
  const before = new Date(deps.clock.now() - keepMs(deps) - GRACE_MS)
  let removed = 0
  for (const run of await staleDryRuns(deps.db, before, PAGE)) {
    if (await uploadNeeded(deps.db, run.file_store_id, run.id)) continue
    await discardUpload(deps, run.file_store_id)
    removed++
  }
  if (removed > 0) deps.logger.info({ removed }, 'uploads of dry runs never fired removed')
  return removed
}

/** Runs {@link sweepDryRunUploads} now and every `everyMs` (at once after a full page) until stopped. */
export function startReplaySweeper(deps: ReplayDeps, everyMs: number): Loop {
  return startGuardedLoop(
    deps.logger,
    'replay sweep',
    async () => (await sweepDryRunUploads(deps)) < PAGE,
    everyMs,
  )
}

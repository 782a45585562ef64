import type { Logger } from 'pino'
import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import { ownedFileKeys } from '../../storage/postgres/file-job.repository.js'
import type { FileStore } from '../../storage/filestore.js'
import type { Clock } from '../runtime/clock.js'
import { startGuardedLoop, type Loop } from '../runtime/loop.js'

/** Keys checked against Postgres per query. */
const PAGE = 500

/** What sweeping needs. */
export interface SweepDeps {
  db: Kysely<Database>
  files: FileStore
  clock: Clock
  logger: Logger
  /** Counts the files removed. */
  removed?: { inc(n: number): void }
}

/**
 * Removes stored files that no row owns (an upload cut short by a crash, a file whose record
 * was never committed) once they are older than `olderThanMs`: younger ones may still be on
 * their way to their row. Returns how many went.
 */
export async function sweepOrphanFiles(deps: SweepDeps, olderThanMs: number): Promise<number> {
  const before = deps.clock.now() - olderThanMs
  let removed = 0
  const check = async (keys: string[]) => {
    const owned = await ownedFileKeys(deps.db, keys)
    for (const key of keys.filter((k) => !owned.has(k))) {
      // Owned since the check? A row is committed only after its file is complete, and this
      // file has not been written for `olderThanMs`: no row will come for it now.
      await deps.files.remove(key)
      removed++
    }
  }
  let page: string[] = []
  for await (const { key, modifiedAt } of deps.files.list()) {
    if (modifiedAt.getTime() >= before) continue
    page.push(key)
    if (page.length === PAGE) {
      await check(page)
      page = []
    }
  }
  await check(page)
  if (removed > 0) {
    deps.removed?.inc(removed)
    deps.logger.info({ removed, olderThanMs }, 'orphan files removed')
  }
  return removed
}

/** Runs {@link sweepOrphanFiles} now and every `everyMs` until stopped. */
export function startOrphanSweeper(
  deps: SweepDeps,
  options: { everyMs: number; olderThanMs: number },
): Loop {
  return startGuardedLoop(
    deps.logger,
    'orphan file sweep',
    async () => {
      await sweepOrphanFiles(deps, options.olderThanMs)
      return true
    },
    options.everyMs,
  )
}

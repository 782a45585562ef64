import { moveRun } from '../../storage/postgres/replay/replay-run.repository.js'
import { uploadNeeded } from '../../storage/postgres/replay/replay-upload.repository.js'
import { deleteRows } from '../../storage/postgres/replay/replay-row.repository.js'
import type {
  ReplayRunRow,
  ReplayRunStatus,
} from '../../storage/postgres/replay/replay-run.table.js'
import { deleteStoredFiles } from '../../storage/postgres/stored-file.repository.js'
import type { ReplayDeps } from './deps.js'

const UNFINISHED: readonly string[] = ['validating', 'firing', 'writing']

/**
 * Removes the upload of a live run that ended, once no other run needs it (one unfinished, or a
 * dry run not fired yet): the rows are kept only in the output files. A dry run's upload stays
 * for its live run, which removes it.
 */
export async function releaseUpload(deps: ReplayDeps, run: ReplayRunRow): Promise<void> {
  if (run.dry_run || UNFINISHED.includes(run.status)) return
  if (await uploadNeeded(deps.db, run.file_store_id, run.id)) return
  await discardUpload(deps, run.file_store_id)
}

/** Removes a kept upload no run holds (refused, or a copy of the upload of a run resumed). */
export async function discardUpload(deps: ReplayDeps, fileStoreId: string): Promise<void> {
  for (const key of await deleteStoredFiles(deps.db, [fileStoreId])) await deps.files.remove(key)
}

/** Ends a run as failed, with why: its rows deleted, its upload released. */
export async function failRun(
  deps: ReplayDeps,
  runId: string,
  from: readonly ReplayRunStatus[],
  error: string,
): Promise<void> {
  const failed = await moveRun(deps.db, runId, 'failed', from, {
    error,
    finishedAt: new Date(deps.clock.now()),
  })
  if (failed === undefined) return
  await deleteRows(deps.db, runId)
  await releaseUpload(deps, failed)
}

import type { ReplayRunRow } from '../../storage/postgres/replay/replay-run.table.js'
import type { ReplayDeps } from './deps.js'
import { fireBefore } from './dry-run-keep.js'

/** A run as the API shows it. */
export const runView = (run: ReplayRunRow, deps: Pick<ReplayDeps, 'dryRunKeepDays'>) => ({
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
  ...(run.dry_run && run.status === 'completed'
    ? { fireBefore: fireBefore(deps, run).toISOString() }
    : {}),
})

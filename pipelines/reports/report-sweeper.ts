import {
  expiredReportJobs,
  markReportJobPruned,
  requeueStalledReportJobs,
} from '../../storage/postgres/reports/job-request.repository.js'
import { activeSchedules } from '../../storage/postgres/reports/report-schedule.repository.js'
import { scheduleTimers } from '../../storage/redis/timers.js'
import { startGuardedLoop, type Loop } from '../runtime/loop.js'
import { reportSettings, type ReportsDeps } from './deps.js'
import { queueExports } from './jobs.js'
import { removeParts } from './report-export.js'
import { scheduleTimer } from './schedules.js'

/** Rows looked at per pass of each sweep. */
const PAGE = 500

/** What one sweep did. */
export interface ReportSweep {
  /** Jobs queued again: running ones whose worker stopped heartbeating, queued ones never taken. */
  requeued: number
  /** Schedules overdue whose timer was armed again (a timer lost with Redis, say). */
  rearmed: number
  /** Finished jobs whose outputs were removed after `REPORT_RETENTION_DAYS`. */
  pruned: number
}

/**
 * Keeps reports moving whatever was lost: queues again the jobs nobody runs (running with a
 * heartbeat older than `REPORT_STALL_SECONDS`, or queued that long without being taken: an
 * export worker that died, an entry lost with Redis), arms again the timers of schedules overdue
 * by that long, and removes the outputs of jobs past their retention. Any number of processes may
 * sweep at once: a job is queued again once per stall period, and a claim runs it once.
 */
export async function sweepReports(deps: ReportsDeps): Promise<ReportSweep> {
  const settings = reportSettings(deps)
  const now = deps.clock.now()
  const staleBefore = new Date(now - settings.stallSeconds * 1000)
  const requeued = await requeueStalledReportJobs(deps.db, new Date(now), staleBefore, PAGE)
  await queueExports(deps.redis, deps.keys, requeued)
  const overdue = await activeSchedules(deps.db, { limit: PAGE, dueBefore: staleBefore })
  await scheduleTimers(deps.redis, deps.keys, overdue.map(scheduleTimer))
  const expired = await expiredReportJobs(deps.db, new Date(now), PAGE)
  for (const job of expired) {
    await removeParts(deps, job.job_output?.parts.map((p) => p.fileStoreId) ?? [])
    await markReportJobPruned(deps.db, job.id, new Date(now))
  }
  const sweep = { requeued: requeued.length, rearmed: overdue.length, pruned: expired.length }
  if (sweep.requeued + sweep.rearmed + sweep.pruned > 0) deps.logger.info(sweep, 'reports swept')
  return sweep
}

/** Runs {@link sweepReports} now and every half stall period (at most every minute) until stopped. */
export function startReportSweeper(deps: ReportsDeps): Loop {
  const everyMs = Math.min(60_000, (reportSettings(deps).stallSeconds * 1000) / 2)
  return startGuardedLoop(
    deps.logger,
    'report sweep',
    async () => {
      await sweepReports(deps)
      return true
    },
    everyMs,
  )
}

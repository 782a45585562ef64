import { setTimeout as sleep } from 'node:timers/promises'
import {
  claimReportJob,
  clearPartFiles,
  failReportJob,
  finishReportJob,
  heartbeatReportJob,
  recordPartFile,
  releaseReportJob,
  retryReportJob,
} from '../../storage/postgres/reports/job-attempt.repository.js'
import type { JobRequestRow } from '../../storage/postgres/reports/job-request.table.js'
import type { ActorDefinition } from '../runtime/actor-definition.js'
import { errorMessage, StopRequestedError } from '../runtime/errors.js'
import { backoff } from '../runtime/retry.js'
import { reportSettings, type ReportsDeps } from './deps.js'
import { ExportMessage } from './messages.js'
import { exportReport, removeParts, ReportDefinitionError } from './report-export.js'
import { oneJobActor } from '../runtime/one-job-actor.js'

/** Another worker took the job over (this one was thought dead): this attempt stops. */
class JobTakenOver extends Error {
  override name = 'JobTakenOver'
}

const DAY_MS = 86_400_000

/**
 * Claims a job: a queued one, or a running one whose worker stopped heartbeating more than
 * `REPORT_STALL_SECONDS` ago (taken over). Undefined when it is finished or another runs it.
 */
async function claim(deps: ReportsDeps, jobId: string): Promise<JobRequestRow | undefined> {
  const now = deps.clock.now()
  const queued = await claimReportJob(deps.db, jobId, new Date(now), { status: 'queued' })
  if (queued !== undefined) return queued
  const staleBefore = new Date(now - reportSettings(deps).stallSeconds * 1000)
  const stalled = await claimReportJob(deps.db, jobId, new Date(now), {
    status: 'running',
    staleBefore,
  })
  if (stalled !== undefined) {
    deps.metrics?.reports.takeovers.inc()
    deps.logger.warn({ jobId, attempt: stalled.attempts }, 'stalled report job taken over')
  }
  return stalled
}

/**
 * Runs a report job to its end: claims it, exports it (heartbeating as rows go), and records the
 * manifest. A transient failure (a dropped connection) starts another attempt after a backoff;
 * a report that cannot be made as requested fails at once with the reason; past
 * `REPORT_MAX_ATTEMPTS` attempts (takeovers included) the job fails with its last error. When the
 * worker stops, the job goes back to the queue for another.
 */
export async function runReportJob(deps: ReportsDeps, jobId: string): Promise<void> {
  const settings = reportSettings(deps)
  const now = () => new Date(deps.clock.now())
  const expires = () => new Date(deps.clock.now() + settings.retentionDays * DAY_MS)
  const heartbeatMs = Math.max(100, (settings.stallSeconds * 1000) / 4)
  const fail = async (job: JobRequestRow, error: string) => {
    if (
      await finishReportJob(deps.db, job, {
        status: 'failed',
        at: now(),
        error,
        expiresAt: expires(),
      })
    )
      deps.metrics?.reports.jobs.inc({ outcome: 'failed' })
    deps.logger.warn({ jobId, error }, 'report job failed')
  }
  let job = await claim(deps, jobId)
  while (job !== undefined) {
    // Parts an earlier attempt finished before it died are not this attempt's.
    if (job.part_files.length > 0) {
      await removeParts(deps, job.part_files)
      await clearPartFiles(deps.db, job)
    }
    if (job.attempts > settings.maxAttempts) {
      await fail(
        job,
        `Gave up after ${settings.maxAttempts} attempts: ${job.error ?? 'its worker stopped heartbeating'}`,
      )
      return
    }
    const held = job
    const takenOver = () => new JobTakenOver(`report job ${jobId} was taken over`)
    let beat = performance.now()
    try {
      const manifest = await exportReport(deps, held, settings, {
        progress: async (rows) => {
          if (performance.now() - beat < heartbeatMs) return
          beat = performance.now()
          if (!(await heartbeatReportJob(deps.db, held, now(), rows))) throw takenOver()
        },
        partKept: async (fileId) => {
          if (!(await recordPartFile(deps.db, held, fileId))) throw takenOver()
        },
      })
      const done = {
        status: 'succeeded' as const,
        at: now(),
        output: manifest,
        expiresAt: expires(),
      }
      if (await finishReportJob(deps.db, held, done)) {
        deps.metrics?.reports.jobs.inc({ outcome: 'succeeded' })
        deps.logger.info(
          { jobId, total: manifest.total, parts: manifest.parts.length },
          'report written',
        )
      } else
        await removeParts(
          deps,
          manifest.parts.map((p) => p.fileStoreId),
        )
      return
    } catch (error) {
      if (error instanceof JobTakenOver) return
      if (error instanceof StopRequestedError) {
        await releaseReportJob(deps.db, held)
        throw error
      }
      if (error instanceof ReportDefinitionError) {
        await fail(held, error.message)
        return
      }
      const message = errorMessage(error)
      deps.logger.warn(
        { jobId, attempt: held.attempts, err: error },
        'report export failed; retrying',
      )
      await sleep(backoff(held.attempts - 1, 1000, Math.min(30_000, heartbeatMs * 2)))
      job = await retryReportJob(deps.db, held, now(), message)
    }
  }
}

/**
 * The export worker: one job at a time from `reports:{jobs}:export`. Its entry stays pending
 * while the job runs (the runtime keeps it from looking abandoned); a worker that dies leaves it
 * to be reclaimed after `REPORT_STALL_SECONDS`, and the job, no longer heartbeating, is taken
 * over. A dead-lettered entry fails its job with the reason.
 */
export function reportExportActor(deps: ReportsDeps): ActorDefinition<ExportMessage> {
  const settings = reportSettings(deps)
  return oneJobActor({
    name: 'report-export',
    stream: deps.keys.reportsExport,
    schema: ExportMessage,
    options: {
      retries: 0,
      visibilityTimeoutMs: settings.stallSeconds * 1000,
      maxDeliveries: settings.maxAttempts + 2,
    },
    run: async ({ jobId }) => {
      await runReportJob(deps, jobId)
      return {}
    },
    deadLettered: async (entries) => {
      const at = new Date(deps.clock.now())
      const expiresAt = new Date(deps.clock.now() + settings.retentionDays * DAY_MS)
      for (const { value, error } of entries)
        await failReportJob(deps.db, value.jobId, at, error, expiresAt)
    },
  })
}

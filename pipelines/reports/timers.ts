import { dueRun, nextRun } from '../../operators/reports/schedule.rules.js'
import { findTemplate } from '../../storage/postgres/reports/report-template.repository.js'
import {
  advanceSchedule,
  findSchedule,
} from '../../storage/postgres/reports/report-schedule.repository.js'
import type { Transaction } from '../../storage/redis/connection.js'
import { queueTimers, type Timer } from '../../storage/redis/timers.js'
import type { TimerHandler } from '../timers.actor.js'
import type { ReportsDeps } from './deps.js'
import { queueExports, requestRun } from './jobs.js'
import { ReportTimerKind, scheduleTimer, specOf } from './schedules.js'

/** What firing a schedule decided: the job to queue, if any, and the timer to arm. */
export interface Fired {
  /** The job requested for the instant (new, or the one another scheduler requested). */
  jobId?: string
  /** The instant it runs for. */
  scheduledFor?: number
  timer?: Timer
}

/**
 * Fires a schedule whose timer is due: requests the one run owed now (after downtime, for the
 * latest instant missed, once), records it, and returns the timer of the next run. The job is
 * requested once per schedule and instant however many schedulers fire it (the mapping's
 * unique key); each returns that job, so queueing it again after a crash loses nothing (an
 * export runs a job once). A deleted or paused schedule fires nothing.
 */
export async function fireSchedule(
  deps: Pick<ReportsDeps, 'db' | 'clock'>,
  scheduleId: string,
): Promise<Fired> {
  const row = await findSchedule(deps.db, scheduleId)
  if (row === undefined || row.paused_at !== null) return {}
  const now = deps.clock.now()
  const spec = specOf(row)
  const due = dueRun(spec, row.next_run_at.getTime() - 1, now)
  if (due === undefined) return { timer: scheduleTimer(row) }
  const template = await findTemplate(deps.db, row.template_id)
  if (template === undefined) return {}
  const { job } = await requestRun(deps, template, {
    scheduledForMs: due,
    timezone: row.timezone,
    scheduleId: row.id,
  })
  const advanced = await advanceSchedule(
    deps.db,
    row.id,
    new Date(due),
    new Date(nextRun(spec, Math.max(now, due))),
  )
  return {
    ...(job.status === 'queued' ? { jobId: job.id } : {}),
    scheduledFor: due,
    ...(advanced === undefined ? {} : { timer: scheduleTimer(advanced) }),
  }
}

/**
 * The handler of schedule timers: fire, queue the job, and re-arm the timer in the MULTI that
 * acks it. The job is queued on its own first (its stream has its own hash tag): a crash in
 * between fires the timer again, which finds the same job and queues it again, harmlessly.
 */
export function reportTimerHandlers(
  deps: Pick<ReportsDeps, 'db' | 'clock' | 'keys' | 'logger' | 'redis'>,
): Record<string, TimerHandler> {
  return {
    [ReportTimerKind.schedule]: async (timer) => {
      const fired = await fireSchedule(deps, String(timer.scheduleId))
      if (fired.jobId !== undefined) {
        await queueExports(deps.redis, deps.keys, [fired.jobId])
        deps.logger.info(
          { scheduleId: timer.scheduleId, jobId: fired.jobId, scheduledFor: fired.scheduledFor },
          'report run requested',
        )
      }
      const next = fired.timer
      return next === undefined
        ? undefined
        : (tx: Transaction) => queueTimers(tx, deps.keys, [next])
    },
  }
}

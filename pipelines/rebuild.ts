import type { Kysely } from 'kysely'
import { runningJobs } from '../storage/postgres/factory/factory-job.repository.js'
import { templatesInProgress } from '../storage/postgres/factory/generated-resource.repository.js'
import { queuePhase } from './factory/phases.js'
import { queueExports } from './reports/jobs.js'
import { scheduleTimer } from './reports/schedules.js'
import { activeSchedules } from '../storage/postgres/reports/report-schedule.repository.js'
import { unfinishedReportJobs } from '../storage/postgres/reports/job-request.repository.js'
import { slotWindow } from '../operators/outreach/schedule.rules.js'
import { listCampaigns } from '../storage/postgres/campaign.repository.js'
import type { CampaignRow } from '../storage/postgres/campaign.table.js'
import type { Database } from '../storage/postgres/database.js'
import { slotsWithPendingTasks } from '../storage/postgres/outreach/flow-task.repository.js'
import { findWinner } from '../storage/postgres/scoring/campaign-winner.repository.js'
import { unfinishedFileJobs } from '../storage/postgres/file-job.repository.js'
import { allTotals } from '../storage/postgres/scoring/purchase-total.repository.js'
import { execAll } from '../storage/redis/connection.js'
import { queueLeaderboardUpdate } from '../storage/redis/leaderboard.js'
import { scheduleTimers, type Timer } from '../storage/redis/timers.js'
import { campaignTimers } from './campaign-timers.js'
import { restoreDeadLetters } from './dead-letters.js'
import { outreachSettings } from './outreach/campaign-views.js'
import { outreachTimers, slotEndTimer } from './outreach/campaign-timers.js'
import { queueWaitingRetriggers } from './outreach/commands.js'
import { bumpConfigVersion } from './scoring/cache.js'
import type { ScoringDeps } from './scoring/deps.js'

/** Report schedules read at once. */
const SCHEDULE_PAGE = 500

/** What a rebuild restored. */
export interface RebuildReport {
  campaigns: number
  leaderboardEntries: number
  timers: number
  /** Uploads queued again for splitting. */
  uploads: number
  /** Ends of slots of earlier days that still had tasks waiting (their timer was lost). */
  pastSlotEnds: number
  /** Groups of retriggered tasks (day and slot) whose release was queued again. */
  retriggerReleases: number
  /** Dead letters put back into their Redis streams from Postgres. */
  deadLetters: number
  /** Factory jobs still running and templates being built, queued again. */
  factoryJobs: number
  /** Report schedules (not paused) whose timer was armed again. */
  reportSchedules: number
  /** Report jobs queued or running, queued again. */
  reportJobs: number
}

/**
 * Restores everything Redis holds for campaigns from Postgres: leaderboards (in pages; the
 * update only raises totals, so running workers may carry on meanwhile), pending timers (for
 * outreach, from today on, plus the ends of earlier slots that still have waiting tasks:
 * creation and slot handling are idempotent), the releases of retriggered tasks still waiting,
 * unfinished uploads, factory and report jobs, report schedules' timers, and dead letters. Safe to run any number of times.
 */
export async function rebuild(
  deps: Pick<ScoringDeps, 'db' | 'redis' | 'keys' | 'settleSeconds' | 'logger' | 'clock'>,
): Promise<RebuildReport> {
  const report: RebuildReport = {
    campaigns: 0,
    leaderboardEntries: 0,
    timers: 0,
    uploads: 0,
    pastSlotEnds: 0,
    retriggerReleases: 0,
    deadLetters: 0,
    factoryJobs: 0,
    reportSchedules: 0,
    reportJobs: 0,
  }
  const now = deps.clock.now()
  for (const campaign of await listCampaigns(deps.db)) {
    report.campaigns++
    if (campaign.type === 'project') continue // no timers: it runs until revoked
    if (campaign.type === 'purchase') {
      for await (const page of allTotals(deps.db, campaign.id)) {
        const tx = deps.redis.multi()
        queueLeaderboardUpdate(tx, deps.keys, campaign.id, page)
        await execAll(tx)
        report.leaderboardEntries += page.length
      }
    }
    const hasWinner = (await findWinner(deps.db, campaign.id)) !== undefined
    const timers =
      campaign.type === 'outreach'
        ? campaign.status === 'Cancelled'
          ? []
          : outreachTimers(campaign, now)
        : campaignTimers(campaign, { settleSeconds: deps.settleSeconds, hasWinner })
    if (campaign.type === 'outreach' && campaign.status !== 'Cancelled') {
      const past = await pastSlotEnds(deps.db, campaign, now, new Set(timers.map((t) => t.id)))
      timers.push(...past)
      report.pastSlotEnds += past.length
      report.retriggerReleases += await releaseRetriggers(deps, campaign, now)
    }
    await scheduleTimers(deps.redis, deps.keys, timers)
    report.timers += timers.length
  }
  // Uploads and do-not-call imports accepted or interrupted while Redis was lost are queued
  // again (splitting and adding numbers are idempotent).
  const queue = deps.redis.multi()
  for (const [table, field] of [
    ['upload_request', 'requestId'],
    ['do_not_call_import', 'importId'],
  ] as const) {
    for (const id of await unfinishedFileJobs(deps.db, table)) {
      queue.xadd(deps.keys.outreachUploads, '*', field, id)
      report.uploads++
    }
  }
  // Factory jobs go on from their rows' checkpoints (every phase is safe to run again).
  for (const job of await runningJobs(deps.db)) {
    queuePhase(deps.keys, job).commit?.(queue)
    report.factoryJobs++
  }
  for (const id of await templatesInProgress(deps.db)) {
    queue.xadd(deps.keys.factoryGenerate, '*', 'generateId', id)
    report.factoryJobs++
  }
  await execAll(queue)
  // Report schedules get their timers back (one overdue fires once, for its latest instant);
  // unfinished report jobs are queued again (a claim runs a job once).
  for (let after: string | undefined; ;) {
    const page = await activeSchedules(deps.db, { after, limit: SCHEDULE_PAGE })
    await scheduleTimers(deps.redis, deps.keys, page.map(scheduleTimer))
    report.reportSchedules += page.length
    after = page.at(-1)?.id
    if (page.length < SCHEDULE_PAGE) break
  }
  const reportJobs = await unfinishedReportJobs(deps.db)
  await queueExports(deps.redis, deps.keys, reportJobs)
  report.reportJobs = reportJobs.length
  report.deadLetters = (await restoreDeadLetters(deps)).restored
  await bumpConfigVersion(deps.redis, deps.keys)
  deps.logger.info(report, 'rebuild finished')
  return report
}

/**
 * End timers of the campaign's slots that are over and still count waiting tasks, but for
 * those in `armed`: after Redis lost their timers, what a slot never reached must still fail.
 */
async function pastSlotEnds(
  db: Kysely<Database>,
  campaign: CampaignRow,
  now: number,
  armed: ReadonlySet<string>,
): Promise<Timer[]> {
  const s = outreachSettings(campaign)
  return (await slotsWithPendingTasks(db, campaign.id))
    .filter(({ slot }) => slot >= 1 && slot <= s.slots.length)
    .map(({ date, slot }) => slotEndTimer(campaign.id, date, slot, slotWindow(s, date, slot).endMs))
    .filter((timer) => timer.dueMs <= now && !armed.has(timer.id))
}

/**
 * Queues again the release of retriggered tasks still waiting for their call (a release only
 * Redis knew of is lost with it); returns how many (day, slot) groups.
 */
async function releaseRetriggers(
  deps: Pick<ScoringDeps, 'db' | 'redis' | 'keys'>,
  campaign: CampaignRow,
  now: number,
): Promise<number> {
  const tx = deps.redis.multi()
  const groups = await queueWaitingRetriggers(deps, tx, campaign, now)
  await execAll(tx)
  return groups
}

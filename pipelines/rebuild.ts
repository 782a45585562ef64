import { listCampaigns } from '../storage/postgres/campaign.repository.js'
import { findWinner } from '../storage/postgres/campaign-winner.repository.js'
import { allTotals } from '../storage/postgres/purchase-total.repository.js'
import { execAll } from '../storage/redis/connection.js'
import { queueLeaderboardUpdate } from '../storage/redis/leaderboard.js'
import { scheduleTimers } from '../storage/redis/timers.js'
import { campaignTimers } from './campaign-timers.js'
import { outreachTimers } from './outreach-campaigns.js'
import { bumpConfigVersion } from './scoring-cache.js'
import type { ScoringDeps } from './scoring-deps.js'

/** What a rebuild restored. */
export interface RebuildReport {
  campaigns: number
  leaderboardEntries: number
  timers: number
  /** Uploads queued again for splitting. */
  uploads: number
}

/**
 * Restores everything Redis holds for campaigns from Postgres: leaderboards (in pages; the
 * update only raises totals, so running workers may carry on meanwhile), pending timers (for
 * outreach, from today on: creation and slot handling are idempotent) and unfinished uploads.
 * Safe to run any number of times.
 */
export async function rebuild(
  deps: Pick<ScoringDeps, 'db' | 'redis' | 'keys' | 'settleSeconds' | 'logger' | 'clock'>,
): Promise<RebuildReport> {
  const report: RebuildReport = { campaigns: 0, leaderboardEntries: 0, timers: 0, uploads: 0 }
  for (const campaign of await listCampaigns(deps.db)) {
    report.campaigns++
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
          : outreachTimers(campaign, deps.clock.now())
        : campaignTimers(campaign, { settleSeconds: deps.settleSeconds, hasWinner })
    await scheduleTimers(deps.redis, deps.keys, timers)
    report.timers += timers.length
  }
  // Uploads accepted or interrupted while Redis was lost are queued again (splitting is idempotent).
  const unfinished = await deps.db
    .selectFrom('upload_request')
    .select('id')
    .where('status', 'in', ['accepted', 'processing'])
    .execute()
  for (const { id } of unfinished)
    await deps.redis.xadd(deps.keys.outreachUploads, '*', 'requestId', id)
  report.uploads = unfinished.length
  await bumpConfigVersion(deps.redis, deps.keys)
  deps.logger.info(report, 'rebuild finished')
  return report
}

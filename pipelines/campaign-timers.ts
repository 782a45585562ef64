import type { CampaignRow } from '../storage/postgres/campaign.table.js'
import type { Timer } from '../storage/redis/timers.js'

/** Timer kinds of the campaign lifecycle. */
export const CampaignTimerKind = {
  start: 'campaign.start',
  end: 'campaign.end',
  settle: 'campaign.settle',
} as const

/**
 * The timers a campaign still needs, derived from its row alone (so `rebuild` can re-arm them):
 * start and end until their events were committed, and for purchase campaigns the winner
 * decision `settleSeconds` after the end until a winner is stored.
 */
export function campaignTimers(
  row: CampaignRow,
  options: { settleSeconds: number; hasWinner: boolean },
): Timer[] {
  if (row.status === 'Cancelled') return []
  const id = row.id
  const timers: Timer[] = []
  if (row.started_at === null) {
    timers.push({
      id: `campaign:${id}:start`,
      dueMs: row.start_at.getTime(),
      fields: { kind: CampaignTimerKind.start, campaignId: id },
    })
  }
  if (row.ended_at === null) {
    timers.push({
      id: `campaign:${id}:end`,
      dueMs: row.end_at.getTime(),
      fields: { kind: CampaignTimerKind.end, campaignId: id },
    })
  }
  if (row.type === 'purchase' && !options.hasWinner) {
    timers.push({
      id: `campaign:${id}:settle`,
      dueMs: row.end_at.getTime() + options.settleSeconds * 1000,
      fields: { kind: CampaignTimerKind.settle, campaignId: id },
    })
  }
  return timers
}

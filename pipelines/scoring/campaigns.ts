import type { Kysely } from 'kysely'
import { z } from 'zod'
import { CurrencyCode, DigitId, positiveDecimal } from './messages.js'
import { isCurrencyCode, money, toMinor, type Money } from '../../operators/money.rules.js'
import { insertCampaign } from '../../storage/postgres/campaign.repository.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import { cancelUnlessWon } from '../../storage/postgres/scoring/campaign-winner.repository.js'
import type { CampaignWinnerRow } from '../../storage/postgres/scoring/campaign-winner.table.js'
import type { Database } from '../../storage/postgres/database.js'
import { execAll } from '../../storage/redis/connection.js'
import { scheduleTimers } from '../../storage/redis/timers.js'
import { campaignOf, ofKind } from '../campaign-of.js'
import { campaignTimers } from '../campaign-timers.js'
import { DomainError, fieldsInvalid } from '../domain-error.js'
import { bumpConfigVersion } from './cache.js'
import type { ScoringDeps } from './deps.js'
import { queueLifecycle } from './timers.js'

/** Money as JSON: `{"value":"12.50","currency":"EUR"}`. */
export const MoneyInput = z.object({
  value: positiveDecimal('100.00', 15, 4),
  currency: CurrencyCode,
})

/** The body of `POST /campaigns` for a purchase campaign. */
export const NewPurchaseCampaign = z
  .object({
    type: z.literal('purchase'),
    itemId: DigitId,
    prize: MoneyInput,
    startDateTime: z.iso.datetime({ offset: true }),
    endDateTime: z.iso.datetime({ offset: true }),
  })
  .refine((c) => Date.parse(c.startDateTime) < Date.parse(c.endDateTime), {
    message: 'must be after startDateTime',
    path: ['endDateTime'],
  })
  // Precision is checked only on a well-formed decimal (a malformed one has its own message).
  .refine(
    (c) =>
      !MoneyInput.shape.value.safeParse(c.prize.value).success ||
      !isCurrencyCode(c.prize.currency) ||
      toMinor(c.prize.value, c.prize.currency) !== undefined,
    {
      message: 'has more decimals than the currency allows',
      path: ['prize', 'value'],
    },
  )
export type NewPurchaseCampaign = z.infer<typeof NewPurchaseCampaign>

/** A purchase campaign as the HTTP contract shows it. */
export interface PurchaseCampaignView {
  campaignId: string
  type: 'purchase'
  itemId: string
  prize: Money
  startDateTime: string
  endDateTime: string
  status: CampaignRow['status']
}

/** A purchase campaign: 404 `campaign_not_found` when there is none, 400 `not_purchase` for another kind. */
export const purchaseCampaignOf = (db: Kysely<Database>, id: string): Promise<CampaignRow> =>
  campaignOf(db, id, 'purchase')

/** A decided winner as the contract shows it (`GET /campaigns/:id/winner`, the SSE `winner`). */
export function winnerView(winner: CampaignWinnerRow, baseCurrency: string) {
  return {
    campaignId: winner.campaign_id,
    userId: winner.user_id,
    totalAmount: money(winner.total_minor, baseCurrency),
    decidedAt: winner.decided_at.toISOString(),
    tieBreak: winner.tie_break,
  }
}

/** Maps a stored row to its view. */
export function purchaseCampaignView(row: CampaignRow): PurchaseCampaignView {
  return {
    campaignId: row.id,
    type: 'purchase',
    itemId: row.item_id ?? '',
    prize: money(row.prize_minor ?? '0', row.prize_currency ?? 'USD'),
    startDateTime: row.start_at.toISOString(),
    endDateTime: row.end_at.toISOString(),
    status: row.status,
  }
}

/** Stores a purchase campaign, arms its lifecycle timers and tells the caches. */
export async function createPurchaseCampaign(
  deps: Pick<ScoringDeps, 'db' | 'redis' | 'keys' | 'settleSeconds' | 'clock'>,
  input: NewPurchaseCampaign,
  createdBy: string,
): Promise<PurchaseCampaignView> {
  // A campaign over before it exists would only decide a winner of nothing at once.
  if (Date.parse(input.endDateTime) <= deps.clock.now())
    throw fieldsInvalid([{ field: 'endDateTime', message: 'must be in the future' }])
  const row = await insertCampaign(deps.db, {
    type: 'purchase',
    item_id: input.itemId,
    prize_minor: String(toMinor(input.prize.value, input.prize.currency)),
    prize_currency: input.prize.currency,
    start_at: new Date(input.startDateTime),
    end_at: new Date(input.endDateTime),
    created_by: createdBy,
    started_at: null,
    ended_at: null,
  })
  await scheduleTimers(
    deps.redis,
    deps.keys,
    campaignTimers(row, { settleSeconds: deps.settleSeconds, hasWinner: false }),
  )
  await bumpConfigVersion(deps.redis, deps.keys)
  return purchaseCampaignView(row)
}

/**
 * Cancels a purchase campaign (admin): it counts no more purchases, publishes no `Start`, and
 * gets no winner and no prize transfer; one that had started publishes its `End` now. Refused
 * (409 `winner_decided`) once its winner is decided. Cancelling again changes nothing.
 */
export async function cancelPurchaseCampaign(
  deps: Pick<ScoringDeps, 'db' | 'redis' | 'keys'>,
  campaign: CampaignRow,
): Promise<{ campaignId: string; status: 'Cancelled' }> {
  const { id } = ofKind(campaign, campaign.id, 'purchase')
  const result = await cancelUnlessWon(deps.db, id)
  if (result === undefined)
    throw new DomainError('not_found', 'campaign_not_found', `No campaign ${id}`)
  if (result.outcome === 'won')
    throw new DomainError(
      'conflict',
      'winner_decided',
      `Campaign ${id} has its winner and prize transfer: it can no longer be cancelled`,
    )
  // Also when it was cancelled before: a retry after Redis failed here publishes what is missing.
  if (result.before.started_at !== null) {
    const tx = deps.redis.multi()
    // Its Start first, should the start timer not have published it yet (each goes out once).
    queueLifecycle(tx, deps.keys, id, 'Start')
    queueLifecycle(tx, deps.keys, id, 'End')
    await execAll(tx)
  }
  await bumpConfigVersion(deps.redis, deps.keys)
  return { campaignId: id, status: 'Cancelled' }
}

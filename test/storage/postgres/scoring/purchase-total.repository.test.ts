import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertCampaign } from '../../../../storage/postgres/campaign.repository.js'
import {
  applyPurchases,
  topTotals,
  type ScoredPurchase,
} from '../../../../storage/postgres/scoring/purchase-total.repository.js'
import { isolatedServices, type TestServices } from '../../../support/services.js'

let s: TestServices
let campaignId: string

beforeAll(async () => {
  s = await isolatedServices()
  const row = await insertCampaign(s.db, {
    type: 'purchase',
    item_id: '7',
    prize_minor: '10000',
    prize_currency: 'USD',
    start_at: new Date('2026-11-22T10:00:00Z'),
    end_at: new Date('2026-11-29T10:00:00Z'),
    created_by: '1',
    started_at: null,
    ended_at: null,
  })
  campaignId = row.id
})
afterAll(() => s.close())

const purchase = (eventId: string, userId: string, minor: number, at: string): ScoredPurchase => ({
  entryId: `${eventId}-${userId}-${minor}`,
  campaignId,
  eventId,
  userId,
  amount: (minor / 100).toFixed(2),
  currency: 'USD',
  rate: '1',
  amountMinor: BigInt(minor),
  purchasedAt: new Date(at),
})

describe('applyPurchases', () => {
  it('should count each event id once, also within one batch and across batches', async () => {
    const a = purchase('e1', '1', 500, '2026-11-22T11:00:00Z')
    const b = purchase('e2', '1', 250, '2026-11-22T11:05:00Z')
    await applyPurchases(s.db, [a, a, b])
    const { totals } = await applyPurchases(s.db, [b, a])
    expect(totals).toEqual([
      { campaignId, userId: '1', totalMinor: 750n, reachedAt: new Date('2026-11-22T11:05:00Z') },
    ])
  })

  it('should rank by total, then the earlier moment reached, then the lower user id', async () => {
    await applyPurchases(s.db, [
      purchase('e3', '20', 750, '2026-11-22T11:05:00Z'),
      purchase('e4', '3', 750, '2026-11-22T11:05:00Z'),
      purchase('e5', '4', 750, '2026-11-22T11:01:00Z'),
      purchase('e6', '5', 900, '2026-11-22T12:00:00Z'),
    ])
    const top = await topTotals(s.db, campaignId, 10)
    expect(top.map((t) => t.userId)).toEqual(['5', '4', '1', '3', '20'])
  })

  it('should keep the first values of an event id, in the batch and after it, and name the conflicting ones', async () => {
    const first = purchase('c1', '30', 100, '2026-11-22T11:00:00Z')
    const other = purchase('c1', '31', 200, '2026-11-22T11:00:00Z')
    const inBatch = await applyPurchases(s.db, [first, other, first])
    expect(inBatch.conflicts).toEqual([other]) // the first in stream order counts
    const later = purchase('c1', '30', 150, '2026-11-22T11:00:00Z')
    const again = await applyPurchases(s.db, [later, first])
    expect(again.conflicts).toEqual([later]) // a plain duplicate is no conflict
    const top = await topTotals(s.db, campaignId, 100)
    expect(
      top.filter((t) => ['30', '31'].includes(t.userId)).map((t) => [t.userId, t.totalMinor]),
    ).toEqual([['30', 100n]])
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bumpConfigVersion } from '../../../pipelines/scoring/cache.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { insertCampaign } from '../../../storage/postgres/campaign.repository.js'
import { upsertRate } from '../../../storage/postgres/scoring/currency-rate.repository.js'
import { topTotals } from '../../../storage/postgres/scoring/purchase-total.repository.js'
import { readPosition, readTop } from '../../../storage/redis/leaderboard.js'
import { toEntries } from '../../../storage/redis/streams.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'
import { purchaseCampaign, scoringDeps, sendFields } from '../../support/scoring.js'

let s: TestServices
let workers: Workers
let campaignId: string

beforeAll(async () => {
  s = await isolatedServices()
  const deps = scoringDeps(s)
  await upsertRate(s.db, 'EUR', '1.25', 'admin')
  await bumpConfigVersion(s.redis, s.keys)
  campaignId = await purchaseCampaign(s, {
    startDateTime: '2026-11-22T10:00:00Z',
    endDateTime: '2099-11-29T10:00:00Z',
  })
  workers = await startWorkers(deps, ['purchase-qualify', 'reduce-to-leaderboard'])
})
afterAll(async () => {
  await workers.stop()
  await s.close()
})

const purchase = (fields: Record<string, string>) => sendFields(s, fields)

/** Writes a qualified purchase of 2.00 USD straight to `qualified_purchase_events`. */
const qualified = (campaign: string, eventId: string, userId: string) =>
  s.redis.xadd(
    s.keys.qualifiedPurchases,
    '*',
    ...['eventId', eventId, 'userId', userId, 'campaignId', campaign, 'amount', '2.00'],
    ...['currency', 'USD', 'timestamp', '2026-11-23T10:00:00Z'],
  )

describe('scoring pipeline', () => {
  it('should add each event id once and convert each purchase at its own rate', async () => {
    const at = '2026-11-23T10:00:00Z'
    const twice = { userId: '1', itemId: '7', amount: '10.00', currency: 'USD', timestamp: at }
    await purchase({ ...twice, eventId: 'a' })
    await purchase({ ...twice, eventId: 'a' })
    await purchase({
      userId: '1',
      itemId: '7',
      amount: '0.01',
      currency: 'EUR',
      timestamp: at,
      eventId: 'b',
    })
    await purchase({ userId: '2', itemId: '7', amount: '3.00', currency: 'USD', timestamp: at })
    await purchase({ userId: '2', itemId: '8', amount: '3.00', currency: 'USD', timestamp: at })
    const top = await eventually(async () => {
      const rows = await readTop(s.redis, s.keys, campaignId, 10)
      return rows.length === 2 && rows[0]?.totalMinor === 1001n ? rows : undefined
    })
    // 0.01 EUR × 1.25 = 0.0125 USD → 0.01 (half-up at the cent)
    expect(top).toEqual([
      { userId: '1', position: 1, totalMinor: 1001n },
      { userId: '2', position: 2, totalMinor: 300n },
    ])
    expect(await readPosition(s.redis, s.keys, campaignId, '2')).toEqual({
      userId: '2',
      position: 2,
      totalMinor: 300n,
    })
    expect((await topTotals(s.db, campaignId, 10)).map((t) => t.totalMinor)).toEqual([1001n, 300n])
  })

  it('should dead-letter each malformed kind with a reason that names the problem', async () => {
    const ok = {
      userId: '9',
      itemId: '7',
      amount: '1.00',
      currency: 'USD',
      timestamp: '2026-11-23T10:00:00Z',
    }
    const bad: [Record<string, string>, RegExp][] = [
      [{ ...ok, userId: 'abc' }, /userId/],
      [{ ...ok, amount: '-1' }, /^amount: must be positive$/],
      [{ ...ok, amount: '1e3' }, /^amount: must be a decimal such as 12\.50$/],
      [
        { ...ok, amount: '1234567890123456.5' },
        /^amount: must have at most 15 digits before the point and 8 after$/,
      ],
      [{ ...ok, amount: '0' }, /^amount: must be greater than zero$/],
      [{ ...ok, timestamp: 'yesterday' }, /timestamp/],
      [{ ...ok, currency: 'GBP' }, /currency: no rate for GBP/],
      [{ ...ok, currency: 'usd' }, /currency/],
      [Object.fromEntries(Object.entries(ok).filter(([k]) => k !== 'itemId')), /itemId/],
    ]
    for (const [fields] of bad) await purchase(fields)
    const dead = await eventually(async () => {
      const entries = toEntries(await s.redis.xrange(s.keys.dead(s.keys.purchaseEvents), '-', '+'))
      return entries.length === bad.length ? entries : undefined
    })
    // Batches may be dead-lettered in any order: find each entry by its original fields.
    const original = (f: Record<string, string>) => {
      const { error: _e, actor: _a, attempts: _n, sourceId: _s, ...rest } = f
      return JSON.stringify(Object.entries(rest).sort())
    }
    bad.forEach(([fields, reason]) => {
      const entry = dead.find((d) => original(d.fields) === original(fields))
      expect(entry?.fields).toMatchObject({ ...fields, actor: 'purchase-qualify', attempts: '1' })
      expect(entry?.fields.error).toMatch(reason)
    })
  })

  it('should dead-letter a qualified purchase of no purchase campaign and count the rest', async () => {
    await qualified('999999', 'q1', '50')
    await qualified('99999999999999999999', 'q2', '50') // beyond any bigint id
    await qualified(campaignId, 'q3', '50')
    const dead = await eventually(async () => {
      const entries = toEntries(
        await s.redis.xrange(s.keys.dead(s.keys.qualifiedPurchases), '-', '+'),
      )
      return entries.length === 2 ? entries : undefined
    })
    expect(dead.map((d) => [d.fields.eventId, d.fields.actor, d.fields.error]).sort()).toEqual([
      ['q1', 'reduce-to-leaderboard', 'campaignId: no purchase campaign 999999'],
      ['q2', 'reduce-to-leaderboard', 'campaignId: no purchase campaign 99999999999999999999'],
    ])
    expect(await eventually(() => readPosition(s.redis, s.keys, campaignId, '50'))).toMatchObject({
      totalMinor: 200n,
    })
  })

  it('should count a qualified purchase of a campaign its worker has not loaded yet', async () => {
    // The worker's cache has loaded the open campaigns once this one is counted.
    await qualified(campaignId, 'late-0', '61')
    await eventually(() => readPosition(s.redis, s.keys, campaignId, '61'))
    // Stored without the config version bump: only the per-batch lookup can know it.
    const late = await insertCampaign(s.db, {
      type: 'purchase',
      item_id: '70',
      prize_minor: '100',
      prize_currency: 'USD',
      start_at: new Date('2026-01-01T00:00:00Z'),
      end_at: new Date('2099-01-01T00:00:00Z'),
      created_by: '1',
      started_at: null,
      ended_at: null,
    })
    await qualified(late.id, 'late-1', '60')
    expect(await eventually(() => readPosition(s.redis, s.keys, late.id, '60'))).toMatchObject({
      position: 1,
      totalMinor: 200n,
    })
  })

  it('should dead-letter a purchase over the maximum, and one that would take a total past it, and rank the rest exactly', async () => {
    const at = '2026-11-23T10:00:00Z'
    const big = { userId: '2', itemId: '7', currency: 'USD', timestamp: at }
    await purchase({ ...big, amount: '999999999999999.99', eventId: 'huge' })
    // Just under the maximum total: one purchase more than it can take, one that reaches it.
    const max = Number.MAX_SAFE_INTEGER
    await s.db
      .insertInto('purchase_total')
      .values(
        ['71', '73'].map((user) => ({
          campaign_id: campaignId,
          user_id: user,
          total_minor: String(max - 100),
          reached_at: new Date(at),
        })),
      )
      .execute()
    await qualified(campaignId, 'past-max', '71') // 2.00
    await s.redis.xadd(
      s.keys.qualifiedPurchases,
      '*',
      ...['eventId', 'to-max', 'userId', '73', 'campaignId', campaignId, 'amount', '1.00'],
      ...['currency', 'USD', 'timestamp', at],
    )
    const dead = await eventually(async () => {
      const entries = [
        ...toEntries(await s.redis.xrange(s.keys.dead(s.keys.qualifiedPurchases), '-', '+')),
      ].filter((d) => d.fields.eventId === 'huge' || d.fields.eventId === 'past-max')
      return entries.length === 2 ? entries : undefined
    })
    expect(dead.map((d) => [d.fields.eventId, d.fields.error]).sort()).toEqual([
      [
        'huge',
        'amount_over_maximum: 999999999999999.99 USD is over the maximum of 1000000000000.00 USD per purchase',
      ],
      [
        'past-max',
        "total_over_maximum: the user's total would pass the maximum of 9007199254740991 minor units",
      ],
    ])
    // A total of exactly the maximum is held, ranked and read back exactly.
    expect(await eventually(() => readPosition(s.redis, s.keys, campaignId, '73'))).toEqual({
      userId: '73',
      position: 1,
      totalMinor: BigInt(max),
    })
    expect((await readTop(s.redis, s.keys, campaignId, 1))[0]?.totalMinor).toBe(BigInt(max))
  })

  it('should count the first of two purchases sharing an event id and dead-letter the other as a conflict', async () => {
    const at = '2026-11-23T10:00:00Z'
    const same = { itemId: '7', currency: 'USD', timestamp: at, eventId: 'shared-1' }
    await purchase({ ...same, userId: '81', amount: '3.00' })
    await eventually(() => readPosition(s.redis, s.keys, campaignId, '81'))
    await purchase({ ...same, userId: '81', amount: '3.00' }) // a duplicate: no conflict
    await purchase({ ...same, userId: '82', amount: '9.00' })
    const dead = await eventually(async () => {
      const entries = toEntries(
        await s.redis.xrange(s.keys.dead(s.keys.qualifiedPurchases), '-', '+'),
      ).filter((d) => d.fields.eventId === 'shared-1')
      return entries.length === 1 ? entries : undefined
    })
    expect(dead[0]?.fields).toMatchObject({ userId: '82', amount: '9.00' })
    expect(dead[0]?.fields.error).toMatch(
      /^event_id_conflict: event shared-1 was counted for campaign \d+ first/,
    )
    expect(await readPosition(s.redis, s.keys, campaignId, '81')).toMatchObject({
      totalMinor: 300n,
    })
    expect(await readPosition(s.redis, s.keys, campaignId, '82')).toBeUndefined()
  })
})

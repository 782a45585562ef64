import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listDeadLetters, replayDeadLetters } from '../../pipelines/dead-letters.js'
import { bumpConfigVersion } from '../../pipelines/scoring/cache.js'
import { startWorkers, type Workers } from '../../pipelines/workers.js'
import { upsertRate } from '../../storage/postgres/scoring/currency-rate.repository.js'
import { topTotals } from '../../storage/postgres/scoring/purchase-total.repository.js'
import { ensureGroup } from '../../storage/redis/streams.js'
import { buy, purchaseCampaign, scoringDeps } from '../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
let campaignId: string
let workers: Workers | undefined

beforeAll(async () => {
  s = await isolatedServices()
  campaignId = await purchaseCampaign(s, { itemId: '2', prize: { value: '1.00', currency: 'USD' } })
})
afterAll(async () => {
  await workers?.stop()
  await s.close()
})

const buyItem2 = (userId: string, amount: string, currency: string, eventId: string) =>
  buy(s, { userId, amount, currency, eventId, itemId: '2' })

const total = async (userId: string) =>
  (await topTotals(s.db, campaignId, 100)).find((t) => t.userId === userId)?.totalMinor

/** A consumer that reads purchase_events and never acks (it died, say). */
const readAsGhost = () =>
  s.redis.xreadgroup(
    'GROUP',
    'purchase-qualify',
    'ghost',
    'COUNT',
    10,
    'STREAMS',
    s.keys.purchaseEvents,
    '>',
  )

describe('redelivery', () => {
  it('should reclaim entries a dead consumer left pending and count them once', async () => {
    await ensureGroup(s.redis, s.keys.purchaseEvents, 'purchase-qualify')
    await buyItem2('1', '1.00', 'USD', 'r1')
    await buyItem2('1', '2.00', 'USD', 'r2')
    // A consumer reads them and dies before acking.
    await readAsGhost()
    workers = await startWorkers(scoringDeps(s), ['purchase-qualify', 'reduce-to-leaderboard'])
    expect(await eventually(async () => ((await total('1')) === 300n ? 300n : undefined))).toBe(
      300n,
    )
    const metrics = await s.metrics.registry.getSingleMetricAsString(
      'campaign_streams_redeliveries_total',
    )
    expect(metrics).toMatch(/actor="purchase-qualify"} 2/)
  })

  it('should dead-letter an entry delivered more than maxDeliveries times, with its last error', async () => {
    await workers?.stop()
    workers = undefined
    const id = await buyItem2('2', '1.00', 'USD', 'r3')
    await readAsGhost()
    // It has failed over and over elsewhere.
    await s.redis.xclaim(
      s.keys.purchaseEvents,
      'purchase-qualify',
      'ghost',
      0,
      id!,
      'RETRYCOUNT',
      3,
    )
    await s.redis.hset(s.keys.entryErrors(s.keys.purchaseEvents), id!, 'postgres was down')
    workers = await startWorkers(scoringDeps(s), ['purchase-qualify', 'reduce-to-leaderboard'])
    const page = await eventually(async () => {
      const p = await listDeadLetters(s, 'purchase_events')
      return p.total === 1 ? p : undefined
    })
    expect(page.deadLetters[0]).toMatchObject({
      sourceId: id,
      actor: 'purchase-qualify',
      attempts: 4,
      error: 'gave up after 4 deliveries: postgres was down',
      fields: { userId: '2', eventId: 'r3' },
    })
  })

  it('should count a dead-lettered purchase once replayed after its rate was added', async () => {
    await buyItem2('3', '10.00', 'CHF', 'r4')
    await eventually(async () => (await listDeadLetters(s, 'purchase_events')).total === 2)
    await upsertRate(s.db, 'CHF', '1.1', 'admin')
    await bumpConfigVersion(s.redis, s.keys)
    const chf = (await listDeadLetters(s, 'purchase_events')).deadLetters.filter(
      (d) => d.fields.currency === 'CHF',
    )
    expect(
      await replayDeadLetters(
        s,
        'purchase_events',
        chf.map((d) => d.id),
      ),
    ).toBe(1)
    expect(await eventually(async () => ((await total('3')) === 1100n ? 1100n : undefined))).toBe(
      1100n,
    )
    expect((await listDeadLetters(s, 'purchase_events')).total).toBe(1)
  })
})

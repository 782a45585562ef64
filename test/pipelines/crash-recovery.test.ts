import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers } from '../../pipelines/workers.js'
import { topTotals } from '../../storage/postgres/scoring/purchase-total.repository.js'
import { readTop } from '../../storage/redis/leaderboard.js'
import { purchaseCampaign, scoringDeps } from '../support/scoring.js'
import { kill, killAll, workerChild } from '../support/worker-child.js'
import { eventually, isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
let campaignId: string

beforeAll(async () => {
  s = await isolatedServices()
  campaignId = await purchaseCampaign(s, { itemId: '3', prize: { value: '1.00', currency: 'USD' } })
})
afterAll(async () => {
  await killAll()
  await s.close()
})

const USERS = 50
const EVENTS = 20_000

async function produce(): Promise<Map<string, bigint>> {
  const expected = new Map<string, bigint>()
  for (let start = 0; start < EVENTS; start += 1000) {
    const pipeline = s.redis.pipeline()
    for (let i = start; i < start + 1000; i++) {
      const user = String(1 + (i % USERS))
      const cents = BigInt(1 + (i % 7))
      expected.set(user, (expected.get(user) ?? 0n) + cents)
      // every tenth event is sent twice with the same eventId
      const copies = i % 10 === 0 ? 2 : 1
      for (let c = 0; c < copies; c++) {
        pipeline.xadd(
          s.keys.purchaseEvents,
          '*',
          'userId',
          user,
          'itemId',
          '3',
          'amount',
          `0.0${cents}`,
          'currency',
          'USD',
          'timestamp',
          '2026-06-01T00:00:00Z',
          'eventId',
          `ev${i}`,
        )
      }
    }
    await pipeline.exec()
  }
  return expected
}

describe('crash recovery', () => {
  it('should keep totals exact when a worker is SIGKILLed mid-batch and another reclaims', async () => {
    const expected = await produce()
    const child = await workerChild(s, ['purchase-qualify', 'reduce-to-leaderboard'])
    // Let it get part of the way, then kill it without warning.
    await eventually(
      async () =>
        (await s.db
          .selectFrom('scored_purchase')
          .select(s.db.fn.countAll<string>().as('n'))
          .executeTakeFirst())!.n !== '0',
    )
    await kill(child)
    const scoredAtKill = Number(
      (
        await s.db
          .selectFrom('scored_purchase')
          .select(s.db.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
    expect(scoredAtKill).toBeLessThan(EVENTS)

    const survivor = await startWorkers(scoringDeps(s), [
      'purchase-qualify',
      'reduce-to-leaderboard',
    ])
    try {
      const totals = await eventually(async () => {
        const rows = await topTotals(s.db, campaignId, USERS)
        const sum = rows.reduce((a, r) => a + r.totalMinor, 0n)
        const want = [...expected.values()].reduce((a, v) => a + v, 0n)
        return rows.length === USERS && sum === want ? rows : undefined
      }, 60_000)
      for (const row of totals) expect(row.totalMinor).toBe(expected.get(row.userId))
      const mirror = await eventually(async () => {
        const top = await readTop(s.redis, s.keys, campaignId, USERS)
        return top.every((r) => r.totalMinor === expected.get(r.userId)) && top.length === USERS
          ? top
          : undefined
      })
      expect(mirror).toHaveLength(USERS)
      expect(await s.redis.xlen(s.keys.dead(s.keys.purchaseEvents))).toBe(0)
    } finally {
      await survivor.stop()
    }
  })
})

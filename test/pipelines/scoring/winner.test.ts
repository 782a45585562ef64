import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { findWinner } from '../../../storage/postgres/scoring/campaign-winner.repository.js'
import { topTotals } from '../../../storage/postgres/scoring/purchase-total.repository.js'
import { toEntries } from '../../../storage/redis/streams.js'
import { bearer, testApp } from '../../support/app.js'
import {
  buy,
  manualClock,
  purchaseCampaign,
  runningClock,
  scoringDeps,
} from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
const clock = manualClock(Date.parse('2026-01-15T00:00:00Z'))
let workers: Workers[] = []

beforeAll(async () => {
  s = await isolatedServices()
  // Two independent worker sets: two timer pollers, two consumers per group.
  workers = [await startWorkers(scoringDeps(s, clock)), await startWorkers(scoringDeps(s, clock))]
})
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()))
  await s.close()
})

const buyItem11 = (userId: string, amount: string, timestamp: string) =>
  buy(s, { userId, amount, timestamp, itemId: '11' })

const stream = async (key: string) =>
  toEntries(await s.redis.xrange(key, '-', '+')).map((e) => e.fields)

describe('campaign end and winner', () => {
  it('should publish Start and End once, decide the winner by the ranking order, and transfer the prize once', async () => {
    const id = await purchaseCampaign(
      s,
      {
        itemId: '11',
        prize: { value: '250.00', currency: 'EUR' },
        endDateTime: '2026-02-01T00:00:00Z',
      },
      clock,
    )
    await eventually(async () => (await stream(s.keys.lifecycle)).length === 1)
    await buyItem11('8', '20.00', '2026-01-10T00:00:00Z')
    await buyItem11('4', '20.00', '2026-01-10T00:00:00Z')
    await buyItem11('9', '20.00', '2026-01-09T00:00:00Z') // same total, reached earlier: wins the tie
    await buyItem11('5', '500.00', '2026-02-01T00:00:00Z') // stamped at the end: does not count
    await eventually(async () => (await topTotals(s.db, id, 10)).length === 3)

    clock.set(Date.parse('2026-02-01T00:00:01Z'))
    const winner = await eventually(() => findWinner(s.db, id))
    expect(winner).toMatchObject({ user_id: '9', total_minor: '2000', tie_break: 'reachedAt' })
    await eventually(async () => (await stream(s.keys.prizeTransfers)).length === 1)
    // Give the second worker set every chance to publish again.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await stream(s.keys.prizeTransfers)).toEqual([
      { campaignId: id, userId: '9', value: '250.00', currency: 'EUR' },
    ])
    expect(await stream(s.keys.lifecycle)).toEqual([
      { campaignId: id, status: 'Start' },
      { campaignId: id, status: 'End' },
    ])
    // Operators read the same in the log; the winner is logged once, by the set that decided.
    const lines = s.logged.filter((line) => line.campaignId === id)
    expect(lines.map((line) => line.msg)).toEqual([
      'purchase campaign started',
      'purchase campaign ended',
      'winner decided',
    ])
    expect(lines[2]).toMatchObject({ userId: '9', tieBreak: 'reachedAt' })
  })

  it('should break a tie of total and moment by the lower user id', async () => {
    clock.set(Date.parse('2026-03-15T00:00:00Z'))
    const campaignId = await purchaseCampaign(
      s,
      {
        itemId: '12',
        prize: { value: '1.00', currency: 'USD' },
        startDateTime: '2026-03-01T00:00:00Z',
        endDateTime: '2026-04-01T00:00:00Z',
      },
      clock,
    )
    for (const user of ['30', '7', '100']) {
      await buy(s, { userId: user, itemId: '12', amount: '3', timestamp: '2026-03-02T00:00:00Z' })
    }
    await eventually(async () => (await topTotals(s.db, campaignId, 10)).length === 3)
    clock.set(Date.parse('2026-04-01T00:00:00Z'))
    expect(await eventually(() => findWinner(s.db, campaignId))).toMatchObject({
      user_id: '7',
      tie_break: 'userId',
    })
  })
})

describe('winner settlement', () => {
  it('should not decide while purchases that arrived before the end are still uncounted', async () => {
    const own = await isolatedServices()
    const now = Date.now()
    const running = runningClock(now)
    const campaignId = await purchaseCampaign(
      own,
      {
        itemId: '13',
        startDateTime: new Date(now - 60_000).toISOString(),
        endDateTime: new Date(now + 60_000).toISOString(),
      },
      running,
    )
    const timers = await startWorkers(scoringDeps(own, running), ['timers'])
    try {
      // Arrives (stream entry id) and is stamped before the end, but nobody counts it yet.
      await buy(own, {
        userId: '3',
        itemId: '13',
        amount: '5.00',
        timestamp: new Date(now).toISOString(),
      })
      running.set(now + 61_000)
      await eventually(async () =>
        (await stream(own.keys.lifecycle)).some((e) => e.status === 'End'),
      )
      await new Promise((resolve) => setTimeout(resolve, 2500)) // two rechecks of the decision
      expect(await findWinner(own.db, campaignId)).toBeUndefined()

      const scorers = await startWorkers(scoringDeps(own, running), [
        'purchase-qualify',
        'reduce-to-leaderboard',
      ])
      try {
        expect(await eventually(() => findWinner(own.db, campaignId))).toMatchObject({
          user_id: '3',
          total_minor: '500',
        })
      } finally {
        await scorers.stop()
      }
    } finally {
      await timers.stop()
      await own.close()
    }
  })
})

describe('cancelling a purchase campaign', () => {
  let t: ReturnType<typeof testApp>
  beforeAll(() => {
    t = testApp(s, clock)
  })
  afterAll(() => t.close())
  const cancel = async (id: string) =>
    t.app.request(`/campaigns/${id}`, { method: 'DELETE', headers: await bearer('1', true) })

  it('should count no more purchases, publish its End now, and decide no winner', async () => {
    clock.set(Date.parse('2026-05-10T00:00:00Z'))
    const id = await purchaseCampaign(
      s,
      {
        itemId: '21',
        startDateTime: '2026-05-01T00:00:00Z',
        endDateTime: '2026-06-01T00:00:00Z',
      },
      clock,
    )
    const events = async () =>
      (await stream(s.keys.lifecycle)).filter((e) => e.campaignId === id).map((e) => e.status)
    await eventually(async () => (await events()).length === 1)
    await buy(s, { userId: '1', itemId: '21', amount: '5.00', timestamp: '2026-05-09T00:00:00Z' })
    await eventually(async () => (await topTotals(s.db, id, 10)).length === 1)

    const res = await cancel(id)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ campaignId: id, status: 'Cancelled' })
    expect(await events()).toEqual(['Start', 'End'])
    // Counted no more, though stamped inside its time.
    await buy(s, { userId: '2', itemId: '21', amount: '9.00', timestamp: '2026-05-11T00:00:00Z' })
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect((await topTotals(s.db, id, 10)).map((t) => t.userId)).toEqual(['1'])

    clock.set(Date.parse('2026-06-01T00:00:05Z'))
    await new Promise((resolve) => setTimeout(resolve, 1000)) // the end and settle timers fire
    expect(await findWinner(s.db, id)).toBeUndefined()
    expect((await stream(s.keys.prizeTransfers)).filter((p) => p.campaignId === id)).toEqual([])
    expect(await events()).toEqual(['Start', 'End'])
    const winner = await t.app.request(`/campaigns/${id}/winner`)
    expect(await winner.json()).toMatchObject({
      status: 404,
      code: 'no_winner',
      title: `Campaign ${id} was cancelled: it has no winner`,
    })
    expect(await (await cancel(id)).json()).toEqual({ campaignId: id, status: 'Cancelled' })
    expect(await (await t.app.request(`/campaigns/${id}`)).json()).toMatchObject({
      status: 'Cancelled',
    })
  })

  it('should publish nothing for a campaign cancelled before its start, and refuse once it has a winner', async () => {
    clock.set(Date.parse('2026-07-01T00:00:00Z'))
    const later = await purchaseCampaign(
      s,
      { itemId: '22', startDateTime: '2026-07-10T00:00:00Z', endDateTime: '2026-07-20T00:00:00Z' },
      clock,
    )
    expect((await cancel(later)).status).toBe(200)
    clock.set(Date.parse('2026-07-10T00:00:01Z'))
    await new Promise((resolve) => setTimeout(resolve, 800)) // its start timer fires
    expect((await stream(s.keys.lifecycle)).filter((e) => e.campaignId === later)).toEqual([])

    const won = await purchaseCampaign(
      s,
      { itemId: '23', startDateTime: '2026-07-01T00:00:00Z', endDateTime: '2026-07-15T00:00:00Z' },
      clock,
    )
    await buy(s, { userId: '3', itemId: '23', amount: '1.00', timestamp: '2026-07-02T00:00:00Z' })
    await eventually(async () => (await topTotals(s.db, won, 10)).length === 1)
    clock.set(Date.parse('2026-07-15T00:00:01Z'))
    await eventually(() => findWinner(s.db, won))
    expect(await (await cancel(won)).json()).toMatchObject({ status: 409, code: 'winner_decided' })
  })
})

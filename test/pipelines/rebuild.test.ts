import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listDeadLetters } from '../../pipelines/dead-letters.js'
import { rebuild } from '../../pipelines/rebuild.js'
import { startWorkers } from '../../pipelines/workers.js'
import { readPosition, readTop } from '../../storage/redis/leaderboard.js'
import { timerDue } from '../../storage/redis/timers.js'
import { deleteKeys } from '../../storage/redis/streams.js'
import { buy, purchaseCampaign, scoringDeps } from '../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

describe('rebuild', () => {
  it('should restore leaderboards, timers and dead letters after Redis loses everything', async () => {
    const deps = scoringDeps(s)
    const campaignId = await purchaseCampaign(s, {
      itemId: '5',
      prize: { value: '9.00', currency: 'USD' },
    })
    const workers = await startWorkers(deps, ['purchase-qualify', 'reduce-to-leaderboard'])
    for (let user = 1; user <= 30; user++) {
      const second = String(user).padStart(2, '0')
      await buy(s, {
        userId: String(user),
        itemId: '5',
        amount: String(user % 7),
        timestamp: `2026-05-01T00:00:${second}Z`,
      })
    }
    const before = await eventually(async () => {
      const top = await readTop(s.redis, s.keys, campaignId, 100)
      return top.length === 26 ? top : undefined // amounts of 0 are dead-lettered
    })
    const position = await readPosition(s.redis, s.keys, campaignId, '13')
    await workers.stop()
    // Entries of one batch are processed concurrently, so their dead letters have no defined
    // order: compare them ordered by user.
    const deadLetters = async () =>
      (await listDeadLetters(s, 'purchase_events')).deadLetters
        .map(({ id: _id, ...letter }) => letter)
        .sort((a, b) => Number(a.fields.userId) - Number(b.fields.userId))
    const dead = await eventually(async () => {
      const letters = await deadLetters()
      return letters.length === 4 ? letters : undefined
    })
    expect(dead.map((d) => d.fields.userId)).toEqual(['7', '14', '21', '28'])

    await deleteKeys(s.redis, s.namespace) // Redis restarted empty
    expect(await readTop(s.redis, s.keys, campaignId, 100)).toEqual([])

    const report = await rebuild(deps)
    expect(report).toMatchObject({ campaigns: 1, leaderboardEntries: 26, deadLetters: 4 })
    expect(await deadLetters()).toEqual(dead)
    expect(await readTop(s.redis, s.keys, campaignId, 100)).toEqual(before)
    expect(await readPosition(s.redis, s.keys, campaignId, '13')).toEqual(position)
    expect(await timerDue(s.redis, s.keys, `campaign:${campaignId}:end`)).toBe(
      Date.parse('2099-01-01T00:00:00Z'),
    )
    expect(await timerDue(s.redis, s.keys, `campaign:${campaignId}:settle`)).toBe(
      Date.parse('2099-01-01T00:00:00Z'),
    )
    // Running it again changes nothing.
    expect(await rebuild(deps)).toMatchObject({ deadLetters: 0 })
    expect(await readTop(s.redis, s.keys, campaignId, 100)).toEqual(before)
    expect(await deadLetters()).toEqual(dead)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  discardDeadLetters,
  listDeadLetters,
  replayDeadLetters,
} from '../../pipelines/dead-letters.js'
import { appendEntries, flatten, toEntries } from '../../storage/redis/streams.js'
import { isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

/** Puts `n` dead letters of `purchase_events` in place, as the runtime writes them. */
async function deadLetters(n: number): Promise<string[]> {
  const dead = s.keys.dead(s.keys.purchaseEvents)
  await s.redis.del(dead, s.keys.purchaseEvents)
  const tx = s.redis.multi()
  appendEntries(
    tx,
    dead,
    Array.from({ length: n }, (_, i) =>
      flatten({
        userId: String(i),
        amount: '1.00',
        currency: 'CHF',
        sourceId: `1-${i}`,
        error: 'currency: no rate for CHF',
        actor: 'purchase-qualify',
        attempts: '1',
      }),
    ),
  )
  await tx.exec()
  return toEntries(await s.redis.xrange(dead, '-', '+')).map((e) => e.id)
}

const replayed = async () =>
  toEntries(await s.redis.xrange(s.keys.purchaseEvents, '-', '+')).map((e) => e.fields)

describe('replayDeadLetters', () => {
  it('should requeue every dead letter in order with its original fields only', async () => {
    await deadLetters(1201) // three pages of 500
    expect(await replayDeadLetters(s.redis, s.keys, 'purchase_events')).toBe(1201)
    const fields = await replayed()
    expect(fields).toHaveLength(1201)
    expect(fields[0]).toEqual({ userId: '0', amount: '1.00', currency: 'CHF' })
    expect(fields.map((f) => f.userId)).toEqual(Array.from({ length: 1201 }, (_, i) => String(i)))
    expect((await listDeadLetters(s.redis, s.keys, 'purchase_events')).total).toBe(0)
  })

  it('should move only the chosen ids, on any page, and leave the rest', async () => {
    const ids = await deadLetters(1201)
    const chosen = [ids[3], ids[700], ids[1200]].filter((id) => id !== undefined)
    expect(await replayDeadLetters(s.redis, s.keys, 'purchase_events', chosen)).toBe(3)
    expect((await replayed()).map((f) => f.userId)).toEqual(['3', '700', '1200'])
    const left = await listDeadLetters(s.redis, s.keys, 'purchase_events', { count: 2000 })
    expect(left.total).toBe(1198)
    expect(left.deadLetters.some((d) => chosen.includes(d.id))).toBe(false)
  })
})

describe('discardDeadLetters', () => {
  it('should delete only the chosen ids, on any page, and count those that existed', async () => {
    const ids = await deadLetters(1201)
    const chosen = [ids[0], ids[600], ids[1200], '1-1'].filter((id) => id !== undefined)
    expect(await discardDeadLetters(s.redis, s.keys, 'purchase_events', chosen)).toBe(3)
    const left = await listDeadLetters(s.redis, s.keys, 'purchase_events', { count: 2000 })
    expect(left.total).toBe(1198)
    expect(left.deadLetters.some((d) => chosen.includes(d.id))).toBe(false)
    expect(await replayed()).toEqual([])
  })
})

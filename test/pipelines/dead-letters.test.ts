import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  discardDeadLetters,
  listDeadLetters,
  replayDeadLetters,
  restoreDeadLetters,
  type DeadLetter,
} from '../../pipelines/dead-letters.js'
import { keepDeadLetters } from '../../storage/postgres/dead-letter.repository.js'
import { deadLetterEntry } from '../../storage/redis/dead-letter-entry.js'
import { appendEntries, toEntries } from '../../storage/redis/streams.js'
import { isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

/** Puts `n` dead letters of `purchase_events` in place, as the runtime writes them. */
async function deadLetters(n: number): Promise<string[]> {
  const source = s.keys.purchaseEvents
  const dead = s.keys.dead(source)
  await s.redis.del(dead, source)
  await s.db.deleteFrom('dead_letter').execute()
  const letters = Array.from({ length: n }, (_, i) => ({
    stream: source,
    sourceId: `1-${i}`,
    fields: ['userId', String(i), 'amount', '1.00', 'currency', 'CHF'],
    error: 'currency: no rate for CHF',
    actor: 'purchase-qualify',
    attempts: 1,
  }))
  await keepDeadLetters(s.db, letters)
  const tx = s.redis.multi()
  appendEntries(tx, dead, letters.map(deadLetterEntry))
  await tx.exec()
  return toEntries(await s.redis.xrange(dead, '-', '+')).map((e) => e.id)
}

/** The source ids of the dead letters Postgres keeps, in order. */
const kept = async () =>
  (await s.db.selectFrom('dead_letter').select('source_id').orderBy('seq').execute()).map(
    (r) => r.source_id,
  )

const replayed = async () =>
  toEntries(await s.redis.xrange(s.keys.purchaseEvents, '-', '+')).map((e) => e.fields)

describe('replayDeadLetters', () => {
  it('should requeue every dead letter in order with its original fields only', async () => {
    await deadLetters(1201) // three pages of 500
    expect(await replayDeadLetters(s, 'purchase_events')).toBe(1201)
    const fields = await replayed()
    expect(fields).toHaveLength(1201)
    expect(fields[0]).toEqual({ userId: '0', amount: '1.00', currency: 'CHF' })
    expect(fields.map((f) => f.userId)).toEqual(Array.from({ length: 1201 }, (_, i) => String(i)))
    expect((await listDeadLetters(s, 'purchase_events')).total).toBe(0)
    expect(await kept()).toEqual([])
  })

  it('should move only the chosen ids, on any page, and leave the rest', async () => {
    const ids = await deadLetters(1201)
    const chosen = [ids[3], ids[700], ids[1200]].filter((id) => id !== undefined)
    expect(await replayDeadLetters(s, 'purchase_events', chosen)).toBe(3)
    expect((await replayed()).map((f) => f.userId)).toEqual(['3', '700', '1200'])
    const left = await listDeadLetters(s, 'purchase_events', { count: 2000 })
    expect(left.total).toBe(1198)
    expect(left.deadLetters.some((d) => chosen.includes(d.id))).toBe(false)
    expect(await kept()).toEqual(left.deadLetters.map((d) => d.sourceId))
  })
})

describe('discardDeadLetters', () => {
  it('should delete only the chosen ids, on any page, and count those that existed', async () => {
    const ids = await deadLetters(1201)
    const chosen = [ids[0], ids[600], ids[1200], '1-1'].filter((id) => id !== undefined)
    expect(await discardDeadLetters(s, 'purchase_events', chosen)).toBe(3)
    const left = await listDeadLetters(s, 'purchase_events', { count: 2000 })
    expect(left.total).toBe(1198)
    expect(left.deadLetters.some((d) => chosen.includes(d.id))).toBe(false)
    expect(await replayed()).toEqual([])
    expect(await kept()).toEqual(left.deadLetters.map((d) => d.sourceId))
  })
})

describe('restoreDeadLetters', () => {
  it('should put back what Redis lost, in order, and keep in Postgres what only Redis had', async () => {
    await deadLetters(1201)
    const before = (await listDeadLetters(s, 'purchase_events', { count: 2000 })).deadLetters
    await s.redis.del(s.keys.dead(s.keys.purchaseEvents)) // Redis restarted empty
    expect(await restoreDeadLetters(s)).toEqual({ restored: 1201, kept: 0 })
    const after = (await listDeadLetters(s, 'purchase_events', { count: 2000 })).deadLetters
    const withoutId = (letters: DeadLetter[]) => letters.map(({ id: _id, ...rest }) => rest)
    expect(withoutId(after)).toEqual(withoutId(before))
    expect(await restoreDeadLetters(s)).toEqual({ restored: 0, kept: 0 })

    // Dead letters written before Postgres kept them are kept by the first restore.
    await s.db.deleteFrom('dead_letter').where('source_id', 'in', ['1-5', '1-1000']).execute()
    expect(await restoreDeadLetters(s)).toEqual({ restored: 0, kept: 2 })
    expect(await kept()).toHaveLength(1201)
    expect((await listDeadLetters(s, 'purchase_events')).total).toBe(1201)
  })
})

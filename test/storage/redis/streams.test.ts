import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execAll } from '../../../storage/redis/connection.js'
import { appendEntries, toEntries, touchPending } from '../../../storage/redis/streams.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

describe('appendEntries', () => {
  it('should append every entry in order, with its own fields, across script calls', async () => {
    const stream = s.keys.stream('append-test')
    const expected: Record<string, string>[] = Array.from({ length: 2501 }, (_, i) =>
      i % 2 === 0 ? { n: String(i) } : { n: String(i), odd: 'yes', empty: '' },
    )
    const entries = expected.map((fields) => Object.entries(fields).flat())
    const tx = s.redis.multi()
    appendEntries(tx, stream, entries)
    tx.xlen(stream)
    const results = await tx.exec()
    expect(results?.every(([error]) => error === null)).toBe(true)
    // 2,501 entries need three calls of at most 1,000; XLEN ran after all of them.
    expect(results?.map(([, value]) => value)).toEqual([1000, 1000, 501, 2501])
    const stored = toEntries(await s.redis.xrange(stream, '-', '+'))
    expect(stored.map((e) => e.fields)).toEqual(expected)
  })

  it('should queue nothing for no entries', async () => {
    const stream = s.keys.stream('append-none')
    const tx = s.redis.multi()
    appendEntries(tx, stream, [])
    expect(await tx.exec()).toEqual([])
    expect(await s.redis.exists(stream)).toBe(0)
  })
})

describe('touchPending', () => {
  it("should reset the idle time of the consumer's own pending entries only, keeping delivery counts", async () => {
    const stream = s.keys.stream('touch-test')
    await s.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM')
    const ids: string[] = []
    for (let i = 0; i < 1203; i++) ids.push((await s.redis.xadd(stream, '*', 'n', String(i))) ?? '')
    await s.redis.xreadgroup('GROUP', 'g', 'a', 'COUNT', 2000, 'STREAMS', stream, '>')
    // b takes the first entry over (a was thought dead), which counts a second delivery.
    await s.redis.xclaim(stream, 'g', 'b', 0, ids[0] ?? '')
    await new Promise((r) => setTimeout(r, 60))
    const pending = async () =>
      new Map(
        (
          (await s.redis.xpending(stream, 'g', '-', '+', 2000)) as [
            string,
            string,
            number,
            number,
          ][]
        ).map(([id, consumer, idle, deliveries]) => [id, { consumer, idle, deliveries }]),
      )
    // Across two script calls (1,000 ids each); the entry b holds is left to b.
    expect(await touchPending(s.redis, stream, 'g', 'a', [...ids, '0-1'])).toBe(1202)
    const after = await pending()
    expect(after.get(ids[0] ?? '')).toMatchObject({ consumer: 'b', deliveries: 2 })
    expect(after.get(ids[0] ?? '')?.idle).toBeGreaterThanOrEqual(50)
    for (const id of ids.slice(1)) {
      expect(after.get(id)).toMatchObject({ consumer: 'a', deliveries: 1 })
      expect(after.get(id)?.idle).toBeLessThan(50)
    }
    expect(await touchPending(s.redis, stream, 'g', 'b', [ids[0] ?? ''])).toBe(1)
    expect((await pending()).get(ids[0] ?? '')).toMatchObject({ consumer: 'b', deliveries: 2 })
  })
})

describe('execAll', () => {
  it('should throw the error of a command that failed inside the transaction', async () => {
    const key = s.keys.stream('exec-all')
    await s.redis.set(key, 'not a stream')
    const tx = s.redis.multi()
    tx.get(key)
    tx.xadd(key, '*', 'a', '1')
    await expect(execAll(tx)).rejects.toThrow(/WRONGTYPE/)
  })

  it('should return each command result', async () => {
    const key = s.keys.stream('exec-all-ok')
    const tx = s.redis.multi()
    tx.set(key, 'v')
    tx.get(key)
    expect(await execAll(tx)).toEqual(['OK', 'v'])
  })
})

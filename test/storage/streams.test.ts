import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execAll } from '../../storage/redis/connection.js'
import { appendEntries, toEntries } from '../../storage/redis/streams.js'
import { isolatedServices, type TestServices } from '../support/services.js'

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

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../../pipelines/runtime/clock.js'
import { startTimerPoller } from '../../../pipelines/runtime/timer-poller.js'
import { scheduleTimers, timerDue } from '../../../storage/redis/timers.js'
import { toEntries } from '../../../storage/redis/streams.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

describe('timers', () => {
  it('should move each due timer into the due stream exactly once with several pollers', async () => {
    const clock = manualClock(1_000)
    await scheduleTimers(
      s.redis,
      s.keys,
      Array.from({ length: 300 }, (_, i) => ({
        id: `t${i}`,
        dueMs: 1_000 + i * 10,
        fields: { kind: 'test', n: String(i) },
      })),
    )
    const pollers = [1, 2, 3].map(() => startTimerPoller({ ...s, clock }, { everyMs: 5, limit: 7 }))
    try {
      await eventually(async () => (await s.redis.xlen(s.keys.timersDue)) === 1)
      clock.set(1_000 + 149 * 10)
      await eventually(async () => (await s.redis.xlen(s.keys.timersDue)) === 150)
      expect(await timerDue(s.redis, s.keys, 't150')).toBe(2_500)
      clock.set(10_000)
      await eventually(async () => (await s.redis.xlen(s.keys.timersDue)) === 300)
    } finally {
      await Promise.all(pollers.map((p) => p.stop()))
    }
    const fired = toEntries(await s.redis.xrange(s.keys.timersDue, '-', '+')).map((e) => e.fields)
    expect(new Set(fired.map((f) => f.timerId)).size).toBe(300)
    expect(fired[0]).toEqual({ timerId: 't0', dueAt: '1000', kind: 'test', n: '0' })
    expect(await s.redis.zcard(s.keys.timers)).toBe(0)
    expect(await s.redis.hlen(s.keys.timerPayloads)).toBe(0)
  })
})

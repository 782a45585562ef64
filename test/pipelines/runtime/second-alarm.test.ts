import { describe, expect, it } from 'vitest'
import { secondAlarm } from '../../../pipelines/runtime/second-alarm.js'

describe('secondAlarm', () => {
  it('should wake the waiters of one second in the order they asked, whatever time each had left', async () => {
    let now = 9_940 // 60 ms before second 10
    const alarm = secondAlarm(() => now, 5000)
    const woke: string[] = []
    const first = alarm(10).then(() => woke.push('first'))
    now = 9_990 // a later waiter with 10 ms left: a timer of its own would fire first
    const second = alarm(10).then(() => woke.push('second'))
    await Promise.all([first, second])
    expect(woke).toEqual(['first', 'second'])
  })

  it('should resolve at once for a second already begun', async () => {
    const alarm = secondAlarm(() => 10_500, 5000)
    const woke: string[] = []
    void alarm(10).then(() => woke.push('late'))
    // No timer runs between microtasks: only an alarm already resolved has woken by now.
    await Promise.resolve()
    await Promise.resolve()
    expect(woke).toEqual(['late'])
  })

  it('should never wait longer than maxWaitMs', async () => {
    const alarm = secondAlarm(() => 0, 20)
    const started = performance.now()
    await alarm(3600)
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

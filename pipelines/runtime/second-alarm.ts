/**
 * One timer per second for everything that waits for it: waiters resume in the order they
 * asked, whatever time each had left (separate timers due at the same moment fire in no
 * reliable order). A second already begun resolves at once; no wait exceeds `maxWaitMs`, so a
 * clock set back cannot stall a waiter.
 */
export function secondAlarm(
  now: () => number,
  maxWaitMs: number,
): (second: number) => Promise<void> {
  const waiting = new Map<number, Promise<void>>()
  return (second) => {
    const ms = second * 1000 - now()
    if (ms <= 0) return Promise.resolve()
    let wake = waiting.get(second)
    if (wake === undefined) {
      wake = new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, maxWaitMs))).then(
        () => {
          waiting.delete(second)
        },
      )
      waiting.set(second, wake)
    }
    return wake
  }
}

import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Keys } from '../../storage/redis/keys.js'
import { moveDueTimers } from '../../storage/redis/timers.js'
import type { Clock } from './clock.js'

/** Options of {@link startTimerPoller}. */
export interface TimerPollerOptions {
  /** @defaultValue 100 */
  everyMs?: number
  /** Timers moved per script call. @defaultValue 500 */
  limit?: number
}

/** Moves due timers into the due stream until stopped; any number of pollers may run. */
export function startTimerPoller(
  deps: { redis: Redis; keys: Keys; clock: Clock; logger: Logger },
  options: TimerPollerOptions = {},
): { stop(): Promise<void> } {
  const everyMs = options.everyMs ?? 100
  const limit = options.limit ?? 500
  let stopped = false
  let wake: (() => void) | undefined
  const loop = async () => {
    while (!stopped) {
      let moved = 0
      try {
        moved = await moveDueTimers(deps.redis, deps.keys, deps.clock.now(), limit)
      } catch (error) {
        deps.logger.warn({ err: error }, 'timer poll failed')
      }
      if (moved < limit && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, everyMs)
        })
      }
    }
  }
  const done = loop()
  return {
    stop: async () => {
      stopped = true
      wake?.()
      await done
    },
  }
}

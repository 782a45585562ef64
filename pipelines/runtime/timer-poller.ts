import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Keys } from '../../storage/redis/keys.js'
import { moveDueTimers } from '../../storage/redis/timers.js'
import type { Clock } from './clock.js'
import { startLoop, type Loop } from './loop.js'

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
): Loop {
  const everyMs = options.everyMs ?? 100
  const limit = options.limit ?? 500
  return startLoop(async () => {
    let moved = 0
    try {
      moved = await moveDueTimers(deps.redis, deps.keys, deps.clock.now(), limit)
    } catch (error) {
      deps.logger.warn({ err: error }, 'timer poll failed')
    }
    return moved < limit
  }, everyMs)
}

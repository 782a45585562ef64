import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Keys } from '../../storage/redis/keys.js'
import { moveDueTimers } from '../../storage/redis/timers.js'
import type { Clock } from './clock.js'
import { startGuardedLoop, type Loop } from './loop.js'

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
  return startGuardedLoop(
    deps.logger,
    'timer poll',
    async () => (await moveDueTimers(deps.redis, deps.keys, deps.clock.now(), limit)) < limit,
    everyMs,
  )
}

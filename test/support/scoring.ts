import { manualClock, systemClock, type Clock } from '../../pipelines/runtime/clock.js'
import { createScoringCache } from '../../pipelines/scoring-cache.js'
import type { WorkerDeps } from '../../pipelines/workers.js'
import type { TestServices } from './services.js'

/** Worker dependencies over a test file's isolated services, with fast actor settings. */
export function scoringDeps(s: TestServices, clock: Clock = systemClock): WorkerDeps {
  return {
    db: s.db,
    redis: s.redis,
    keys: s.keys,
    clock,
    logger: s.logger,
    metrics: s.metrics,
    cache: createScoringCache(s.db, s.redis, s.keys, 'USD'),
    baseCurrency: 'USD',
    settleSeconds: 0,
    actorOptions: {
      blockMs: 100,
      visibilityTimeoutMs: 1000,
      reclaimEveryMs: 200,
      maxDeliveries: 3,
    },
  }
}

export { manualClock }

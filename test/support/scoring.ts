import { localOutbound } from './outbound.js'
import {
  manualClock,
  runningClock,
  systemClock,
  type Clock,
} from '../../pipelines/runtime/clock.js'
import { createScoringCache } from '../../pipelines/scoring/cache.js'
import type { WorkerDeps } from '../../pipelines/workers.js'
import type { TestServices } from './services.js'
import {
  createPurchaseCampaign,
  type NewPurchaseCampaign,
} from '../../pipelines/scoring/campaigns.js'

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
    files: s.files,
    maxUploadBytes: 10 * 1024 * 1024,
    maxSlotsPerDay: 2,
    outbound: localOutbound,
    actorOptions: {
      blockMs: 100,
      visibilityTimeoutMs: 1000,
      reclaimEveryMs: 200,
      maxDeliveries: 3,
    },
  }
}

export { manualClock, runningClock }

/** Creates a purchase campaign (item 7, open 2026–2099 unless overridden); returns its id. */
export async function purchaseCampaign(
  s: TestServices,
  input: Partial<NewPurchaseCampaign> = {},
  clock: Clock = systemClock,
): Promise<string> {
  const campaign = await createPurchaseCampaign(
    scoringDeps(s, clock),
    {
      type: 'purchase',
      itemId: '7',
      prize: { value: '100.00', currency: 'USD' },
      startDateTime: '2026-01-01T00:00:00Z',
      endDateTime: '2099-01-01T00:00:00Z',
      ...input,
    },
    'admin',
  )
  return campaign.campaignId
}

/** A purchase event as producers write it; item 7, USD, 2026-06-01 unless overridden. */
export function buy(
  s: TestServices,
  fields: { userId: string; amount: string } & Partial<
    Record<'itemId' | 'currency' | 'timestamp' | 'eventId', string>
  >,
): Promise<string | null> {
  return sendFields(s, {
    itemId: '7',
    currency: 'USD',
    timestamp: '2026-06-01T00:00:00Z',
    ...fields,
  })
}

/** Writes exactly these fields to `purchase_events` (for malformed entries too). */
export function sendFields(
  s: TestServices,
  fields: Record<string, string>,
): Promise<string | null> {
  return s.redis.xadd(s.keys.purchaseEvents, '*', ...Object.entries(fields).flat())
}

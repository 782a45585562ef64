import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import { groupBy } from '../../operators/group-by.rules.js'
import type { CampaignWindow, QualifyContext } from '../../operators/scoring/purchase-qualify.js'
import type { ScoreContext } from '../../operators/scoring/reduce-to-leaderboard.js'
import {
  findPurchaseCampaignIds,
  listOpenPurchaseCampaigns,
  listPurchaseCampaignItems,
} from '../../storage/postgres/campaign.repository.js'
import { listRates } from '../../storage/postgres/scoring/currency-rate.repository.js'
import type { Database } from '../../storage/postgres/database.js'
import type { Keys } from '../../storage/redis/keys.js'

/** Open purchase campaigns and currency rates, reloaded whenever the config version moves. */
export interface ScoringCache {
  /** One GET per call; reloads from Postgres when the version changed or the copy is old. */
  refresh: () => Promise<void>
  /**
   * Looks up the ids not yet known to be purchase campaigns (a query only when there are such;
   * a campaign, once known, is known for good: campaigns are never deleted).
   */
  learnCampaigns: (ids: Iterable<string>) => Promise<void>
  qualifyContext: () => QualifyContext
  scoreContext: () => ScoreContext
}

/** The largest Postgres bigint: a longer id names no campaign. */
const MAX_ID = 2n ** 63n - 1n

/** Tells every cache in every process to reload (call after committing a change). */
export async function bumpConfigVersion(redis: Redis, keys: Keys): Promise<void> {
  await redis.incr(keys.configVersion)
}

/** Creates the cache; `maxAgeMs` bounds staleness should a version bump be lost. */
export function createScoringCache(
  db: Kysely<Database>,
  redis: Redis,
  keys: Keys,
  baseCurrency: string,
  maxAgeMs = 10_000,
): ScoringCache {
  let version: string | null | undefined
  let loadedAt = 0
  let windows = new Map<string, CampaignWindow[]>()
  let campaignItems = new Set<string>()
  let rates = new Map<string, string>([[baseCurrency, '1']])
  const purchaseCampaigns = new Set<string>()

  const load = async () => {
    const [campaigns, rateRows, items] = await Promise.all([
      listOpenPurchaseCampaigns(db),
      listRates(db),
      listPurchaseCampaignItems(db),
    ])
    campaignItems = new Set(items)
    const open: CampaignWindow[] = []
    for (const c of campaigns) {
      purchaseCampaigns.add(c.id)
      if (c.item_id === null) continue
      open.push({
        campaignId: c.id,
        itemId: c.item_id,
        startMs: c.start_at.getTime(),
        endMs: c.end_at.getTime(),
      })
    }
    windows = groupBy(open, (w) => w.itemId)
    rates = new Map(rateRows.map((r) => [r.currency, r.rate]))
    rates.set(baseCurrency, '1')
  }

  return {
    refresh: async () => {
      const current = await redis.get(keys.configVersion)
      if (current === version && performance.now() - loadedAt < maxAgeMs) return
      await load()
      version = current
      loadedAt = performance.now()
    },
    learnCampaigns: async (ids) => {
      const unknown = new Set<string>()
      for (const id of ids) if (!purchaseCampaigns.has(id) && BigInt(id) <= MAX_ID) unknown.add(id)
      if (unknown.size === 0) return
      for (const id of await findPurchaseCampaignIds(db, [...unknown])) purchaseCampaigns.add(id)
    },
    qualifyContext: () => ({
      windows,
      hasRate: (currency) => rates.has(currency),
      hadCampaign: (itemId) => campaignItems.has(itemId),
    }),
    scoreContext: () => ({
      base: baseCurrency,
      rate: (currency) => rates.get(currency),
      isCampaign: (id) => purchaseCampaigns.has(id),
    }),
  }
}

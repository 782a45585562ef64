import { Gauge } from 'prom-client'
import { pausedCampaigns } from '../../storage/postgres/campaign.repository.js'
import type { Database } from '../../storage/postgres/database.js'
import type { Kysely } from 'kysely'
import type { Clock } from '../runtime/clock.js'
import { PREFIX, oncePerScrape, type Metrics } from '../runtime/metrics.js'

/**
 * Registers the outreach gauges read from Postgres when `/metrics` is scraped: how many running
 * campaigns are paused, and for how long the oldest pause has lasted (a forgotten pause lets
 * slots pass without a call). Without Postgres the series are left out of that scrape.
 */
export function registerOutreachGauges(
  metrics: Pick<Metrics, 'registry'>,
  db: Kysely<Database>,
  clock: Clock,
): void {
  // One query per scrape, shared by both gauges.
  const state = oncePerScrape(async () => {
    const now = clock.now()
    return { now, paused: await pausedCampaigns(db, now) }
  })
  const registers = [metrics.registry]
  new Gauge({
    name: `${PREFIX}outreach_paused_campaigns`,
    help: 'Outreach campaigns paused now (neither revoked nor over)',
    registers,
    async collect() {
      this.reset()
      const s = await state()
      if (s !== undefined) this.set(s.paused.count)
    },
  })
  new Gauge({
    name: `${PREFIX}outreach_pause_age_seconds`,
    help: 'How long the oldest pause of a running outreach campaign has lasted (0 with none)',
    registers,
    async collect() {
      this.reset()
      const s = await state()
      if (s !== undefined)
        this.set(
          s.paused.oldestMs === undefined ? 0 : Math.max(0, s.now - s.paused.oldestMs) / 1000,
        )
    },
  })
}

import type { Kysely } from 'kysely'
import { Gauge } from 'prom-client'
import type { Database } from '../../storage/postgres/database.js'
import type { Clock } from '../runtime/clock.js'
import { PREFIX, oncePerScrape, type Metrics } from '../runtime/metrics.js'

/** Outreach campaigns paused now (neither revoked nor over), and since when the oldest. */
async function pausedCampaigns(
  db: Kysely<Database>,
  nowMs: number,
): Promise<{ count: number; oldestMs: number | undefined }> {
  const row = await db
    .selectFrom('campaign')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('paused_at').as('oldest')])
    .where('type', '=', 'outreach')
    .where('paused_at', 'is not', null)
    .where('status', '<>', 'Cancelled')
    .where('end_at', '>', new Date(nowMs))
    .executeTakeFirstOrThrow()
  const oldest = row.oldest
  return { count: Number(row.n), oldestMs: oldest === null ? undefined : oldest.getTime() }
}

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

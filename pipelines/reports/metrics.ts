import type { Kysely } from 'kysely'
import { Gauge } from 'prom-client'
import type { Database } from '../../storage/postgres/database.js'
import { reportJobGauges } from '../../storage/postgres/reports/job-request.repository.js'
import type { Clock } from '../runtime/clock.js'
import { PREFIX, oncePerScrape, type Metrics } from '../runtime/metrics.js'

/**
 * Registers the report scheduler's gauges, read from Postgres when `/metrics` is scraped: jobs
 * by status, and running jobs whose heartbeat is older than `stallSeconds` (their worker gone;
 * the sweeper queues them again). Without Postgres the series are left out of that scrape.
 */
export function registerReportGauges(
  metrics: Pick<Metrics, 'registry'>,
  db: Kysely<Database>,
  clock: Clock,
  stallSeconds: number,
): void {
  const state = oncePerScrape(() =>
    reportJobGauges(db, new Date(clock.now() - stallSeconds * 1000)),
  )
  const registers = [metrics.registry]
  new Gauge({
    name: `${PREFIX}report_jobs`,
    help: 'Report jobs by status (queued, running, succeeded, failed)',
    labelNames: ['status'],
    registers,
    async collect() {
      this.reset()
      for (const [status, n] of Object.entries((await state())?.byStatus ?? {}))
        this.set({ status }, n)
    },
  })
  new Gauge({
    name: `${PREFIX}report_jobs_stalled`,
    help: 'Running report jobs whose heartbeat is older than REPORT_STALL_SECONDS (their worker gone)',
    registers,
    async collect() {
      this.reset()
      const s = await state()
      if (s !== undefined) this.set(s.stalled)
    },
  })
}

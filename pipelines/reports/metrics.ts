import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import { reportJobGauges } from '../../storage/postgres/reports/job-request.repository.js'
import type { Clock } from '../runtime/clock.js'
import { registerJobGauges } from '../runtime/job-gauges.js'
import type { Metrics } from '../runtime/metrics.js'

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
  registerJobGauges(
    metrics,
    {
      name: 'report_jobs',
      help: 'Report jobs by status (queued, running, succeeded, failed)',
      stalledHelp:
        'Running report jobs whose heartbeat is older than REPORT_STALL_SECONDS (their worker gone)',
    },
    () => reportJobGauges(db, new Date(clock.now() - stallSeconds * 1000)),
  )
}

import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import { jobGauges } from '../../storage/postgres/factory/factory-job.repository.js'
import type { Clock } from '../runtime/clock.js'
import { registerJobGauges } from '../runtime/job-gauges.js'
import type { Metrics } from '../runtime/metrics.js'

/** A running job without progress for this long counts as stalled. */
export const STALLED_AFTER_MS = 10 * 60_000

/**
 * Registers the factory's gauges, read from Postgres when `/metrics` is scraped: jobs by status,
 * and running jobs that made no progress for {@link STALLED_AFTER_MS} (a job's phases record
 * their progress every chunk of rows). Without Postgres the series are left out of that scrape.
 */
export function registerFactoryGauges(
  metrics: Pick<Metrics, 'registry'>,
  db: Kysely<Database>,
  clock: Clock,
): void {
  registerJobGauges(
    metrics,
    {
      name: 'factory_jobs',
      help: 'Project factory jobs by status',
      stalledHelp:
        'Running project factory jobs with no progress for 10 minutes (a phase stuck or its worker gone)',
    },
    () => jobGauges(db, new Date(clock.now() - STALLED_AFTER_MS)),
  )
}

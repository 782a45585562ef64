/** A worker in its own process, for crash tests: `tsx worker-process.ts <schema> <namespace> <actors>`. */
import { localOutbound } from './outbound.js'
import pino from 'pino'
import { createScoringCache } from '../../pipelines/scoring/cache.js'
import { systemClock } from '../../pipelines/runtime/clock.js'
import { createMetrics } from '../../pipelines/runtime/metrics.js'
import { startWorkers, type ActorName } from '../../pipelines/workers.js'
import { createDb } from '../../storage/postgres/database.js'
import { localFileStore } from '../../storage/filestore.js'
import { createRedis } from '../../storage/redis/connection.js'
import { createKeys } from '../../storage/redis/keys.js'
import { testDatabaseUrl, testRedisUrl } from './services.js'

const [schema, namespace, actors, filesDir] = process.argv.slice(2)
if (schema === undefined || namespace === undefined || actors === undefined)
  throw new Error('usage: worker-process <schema> <namespace> <actors>')
const db = createDb(testDatabaseUrl, { schema })
const redis = createRedis(testRedisUrl)
const keys = createKeys(namespace)
await startWorkers(
  {
    db,
    redis,
    keys,
    clock: systemClock,
    logger: pino({ level: process.env.TEST_CHILD_LOG ?? 'silent' }),
    metrics: createMetrics(),
    cache: createScoringCache(db, redis, keys, 'USD'),
    baseCurrency: 'USD',
    settleSeconds: 0,
    files: localFileStore(filesDir ?? '.data/test-files'),
    maxUploadBytes: 10 * 1024 * 1024,
    maxSlotsPerDay: 2,
    outbound: localOutbound,
    // A factory target for the crash tests, with fast retries.
    targets: {
      urls:
        process.env.TEST_FACTORY_TARGET === undefined
          ? {}
          : { user: process.env.TEST_FACTORY_TARGET },
      batch: 10,
      backoffBaseMs: 10,
      backoffMaxMs: 50,
    },
    // Report exports for the takeover tests: a job stalls after TEST_REPORT_STALL_SECONDS.
    reports: {
      stallSeconds: Number(process.env.TEST_REPORT_STALL_SECONDS ?? 120),
      fetchRows: Number(process.env.TEST_REPORT_FETCH_ROWS ?? 2000),
      maxRowsPerPart: Number(process.env.TEST_REPORT_ROWS_PER_PART ?? 1_048_575),
    },
    actorOptions: { blockMs: 100, visibilityTimeoutMs: 1000, reclaimEveryMs: 200, batchSize: 200 },
  },
  actors.split(',') as ActorName[],
)
process.stdout.write('ready\n')

import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import { sign } from 'hono/jwt'
import pino from 'pino'
import { createApp } from '../http/app.js'
import { outboundPolicy } from '../operators/outbound.rules.js'
import { createMetrics } from '../pipelines/runtime/metrics.js'
import { localFileStore } from '../storage/filestore.js'
import { createDb } from '../storage/postgres/database.js'
import { createRedis } from '../storage/redis/connection.js'
import { createKeys } from '../storage/redis/keys.js'
import { deleteKeys } from '../storage/redis/streams.js'
import { cli, exited, freshDatabase } from './support.js'

/** The benchmarks' database (dropped and created afresh by each). */
export const benchDatabaseUrl =
  process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/campaign_streams_bench`

/** One benchmark's services: a fresh database, its own key prefix and file directory. */
export async function benchEnvironment(name: string) {
  const DATABASE_URL = benchDatabaseUrl
  const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const KEY_PREFIX = `bench:${name}:${randomBytes(3).toString('hex')}:`
  const FILESTORE_DIR = `.data/bench-${name}`
  const JWT_SECRET = 'bench-secret-of-enough-length'
  const env = {
    DATABASE_URL,
    REDIS_URL,
    KEY_PREFIX,
    FILESTORE_DIR,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    MAX_UPLOAD_BYTES: String(2 ** 31),
    // The bench's flow endpoints listen on loopback.
    OUTBOUND_ALLOW: '127.0.0.0/8',
  }
  await freshDatabase(DATABASE_URL)
  await exited(cli(['migrate'], { ...env, LOG_LEVEL: 'warn' }))
  const db = createDb(DATABASE_URL)
  const redis = createRedis(REDIS_URL)
  const keys = createKeys(KEY_PREFIX)
  const app = createApp({
    db,
    redis,
    keys,
    clock: { now: () => Date.now() },
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
    feed: {
      follow: () => {
        throw new Error('not used')
      },
      close: () => undefined,
    },
    jwtSecret: JWT_SECRET,
    baseCurrency: 'USD',
    settleSeconds: 5,
    files: localFileStore(FILESTORE_DIR),
    maxUploadBytes: 2 ** 31,
    maxSlotsPerDay: 2,
    outbound: outboundPolicy(env.OUTBOUND_ALLOW),
  })
  const admin = {
    authorization: `Bearer ${await sign({ sub: '1', role: 'admin' }, JWT_SECRET, 'HS256')}`,
  }
  return {
    env,
    db,
    redis,
    keys,
    app,
    admin,
    close: async () => {
      await deleteKeys(redis, KEY_PREFIX)
      redis.disconnect()
      await db.destroy()
    },
  }
}

/** An IANA zone (`Etc/GMT±n`) in which it is now about `hour` o'clock, and today's date there. */
export function zoneAtHour(hour: number): { zone: string; today: string } {
  let offset = hour - new Date().getUTCHours()
  if (offset > 12) offset -= 24
  if (offset < -12) offset += 24
  const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`
  return { zone, today: DateTime.now().setZone(zone).toISODate() ?? '' }
}

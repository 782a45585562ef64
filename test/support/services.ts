import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localFileStore, type FileStore } from '../../storage/filestore.js'
import type { Redis } from 'ioredis'
import { sql, type Kysely } from 'kysely'
import pino from 'pino'
import { createMetrics, type Metrics } from '../../pipelines/runtime/metrics.js'
import { createRedis } from '../../storage/redis/connection.js'
import { createKeys, type Keys } from '../../storage/redis/keys.js'
import { deleteKeys } from '../../storage/redis/streams.js'
import { createDb, type Database } from '../../storage/postgres/database.js'
import { migrateToLatest } from '../../storage/postgres/migrate.js'

/** Where the test services are; the local defaults unless the environment says otherwise. */
export const testRedisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const testDatabaseUrl =
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/campaign_streams_test'

/** One test file's own Postgres schema and Redis key namespace. */
export interface TestServices {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  schema: string
  namespace: string
  metrics: Metrics
  logger: pino.Logger
  /** The lines `logger` wrote at info and above (printed instead when TEST_LOG_LEVEL is set). */
  logged: Record<string, unknown>[]
  files: FileStore
  filesDir: string
  close(): Promise<void>
}

/** An advisory lock id that schema creation, migration and dropping share across test files. */
const SCHEMA_LOCK = 727_001

let adminDb: Kysely<Database> | undefined
const admin = () => (adminDb ??= createDb(testDatabaseUrl, { maxConnections: 2 }))

/**
 * Runs `task` while holding the schema lock: Kysely's migrator lists the tables of every schema,
 * and a schema another file drops meanwhile makes that listing fail.
 */
export async function underSchemaLock(task: () => Promise<void>): Promise<void> {
  await admin()
    .connection()
    .execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(${SCHEMA_LOCK})`.execute(conn)
      try {
        await task()
      } finally {
        await sql`SELECT pg_advisory_unlock(${SCHEMA_LOCK})`.execute(conn)
      }
    })
}

/** Creates an isolated schema (migrated) and key namespace; `close` removes both. */
export async function isolatedServices(): Promise<TestServices> {
  const id = randomBytes(4).toString('hex')
  const schema = `t_${id}`
  const namespace = `t:${id}:`
  const db = createDb(testDatabaseUrl, { schema, maxConnections: 8 })
  await underSchemaLock(async () => {
    await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(db)
    await migrateToLatest(db, schema)
  })
  const redis = createRedis(testRedisUrl)
  const keys = createKeys(namespace)
  const dir = await mkdtemp(join(tmpdir(), `cs-${id}-`))
  const logged: Record<string, unknown>[] = []
  const logger =
    process.env.TEST_LOG_LEVEL === undefined
      ? pino(
          { level: 'info' },
          { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) },
        )
      : pino({ level: process.env.TEST_LOG_LEVEL })
  return {
    files: localFileStore(dir),
    filesDir: dir,
    db,
    redis,
    keys,
    schema,
    namespace,
    metrics: createMetrics(),
    logger,
    logged,
    close: async () => {
      await deleteKeys(redis, namespace)
      redis.disconnect()
      await db.destroy()
      await underSchemaLock(() =>
        sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(admin()).then(() => undefined),
      )
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`, { cause: last })
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

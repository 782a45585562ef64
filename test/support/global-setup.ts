import { Redis } from 'ioredis'
import pg from 'pg'
import { ensureDatabase } from '../../storage/postgres/database.js'

const localRedis = 'redis://127.0.0.1:6379'
const localPostgres = 'postgres://postgres@127.0.0.1:5432/campaign_streams_test'

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  })
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: 2000,
  })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Finds the services: `REDIS_URL` / `DATABASE_URL` when set, else the local default ports, else
 * (when Docker runs) containers started with testcontainers. Then creates the test database
 * once; each test file works in its own schema inside it.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const stops: (() => Promise<unknown>)[] = []
  const redisUrl = process.env.REDIS_URL ?? localRedis
  const databaseUrl = process.env.DATABASE_URL ?? localPostgres
  if (!(await redisAnswers(redisUrl))) {
    if (process.env.REDIS_URL !== undefined)
      throw new Error(`Redis does not answer at REDIS_URL=${redisUrl}`)
    const { RedisContainer } = await import('@testcontainers/redis')
    const container = await new RedisContainer('redis:7.0-alpine').start()
    process.env.REDIS_URL = container.getConnectionUrl()
    stops.push(() => container.stop())
  }
  if (!(await postgresAnswers(databaseUrl))) {
    if (process.env.DATABASE_URL !== undefined)
      throw new Error(`Postgres does not answer at DATABASE_URL=${databaseUrl}`)
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    const container = await new PostgreSqlContainer('postgres:15-alpine')
      .withDatabase('campaign_streams_test')
      .start()
    process.env.DATABASE_URL = container.getConnectionUri()
    stops.push(() => container.stop())
  }
  await ensureDatabase(process.env.DATABASE_URL ?? databaseUrl)
  return stops.length === 0
    ? undefined
    : async () => {
        await Promise.all(stops.map((stop) => stop()))
      }
}

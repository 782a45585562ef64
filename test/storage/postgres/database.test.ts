import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import {
  ServiceUnreachable,
  createDb,
  prepared,
  waitForPostgres,
} from '../../../storage/postgres/database.js'
import { eventually, testDatabaseUrl } from '../../support/services.js'

// One connection, so that the statements below share the session they are prepared in.
const db = createDb(testDatabaseUrl, { maxConnections: 1 })
afterAll(() => db.destroy())

const preparedNames = async () =>
  (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(db)).rows.map(
    (r) => r.name,
  )

describe('prepared', () => {
  it('should prepare a marked statement once per connection and run it with its values', async () => {
    const twice = async (n: number) =>
      (await sql<{ n: number }>`${prepared('probe-double')} SELECT ${n}::int * 2 AS n`.execute(db))
        .rows[0]?.n
    expect(await twice(2)).toBe(4)
    expect(await twice(21)).toBe(42)
    expect((await preparedNames()).filter((n) => n === 'probe-double')).toHaveLength(1)
  })

  it('should leave statements without the mark unprepared', async () => {
    await sql`SELECT 1 AS unmarked`.execute(db)
    expect(await preparedNames()).toEqual(['probe-double'])
  })

  it('should refuse a name that is not kebab-case', () => {
    expect(() => prepared('x */ DROP TABLE campaign; /*')).toThrow(/bad prepared statement name/)
  })
})

describe('createDb', () => {
  it('should outlive an idle connection that Postgres ends, and open a new one', async () => {
    const lost: Error[] = []
    const own = createDb(testDatabaseUrl, {
      maxConnections: 1,
      onIdleError: (error) => lost.push(error),
    })
    try {
      const pid = async () =>
        (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(own)).rows[0]?.pid
      const first = await pid()
      await sql`SELECT pg_terminate_backend(${first})`.execute(db)
      await eventually(async () => lost.length > 0)
      expect(lost[0]?.message).toMatch(/terminating connection/)
      expect(await pid()).not.toBe(first)
    } finally {
      await own.destroy()
    }
  })
})

describe('waitForPostgres', () => {
  const noWait = { waitMs: 1500, onWait: () => undefined }

  it('should return at once when Postgres answers', async () => {
    await expect(waitForPostgres(testDatabaseUrl, noWait)).resolves.toBeUndefined()
  })

  it('should keep trying a server that refuses, saying why, then give up in one line', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const reasons: string[] = []
    const error = await waitForPostgres(`postgres://postgres@127.0.0.1:${port}/x`, {
      waitMs: 1500,
      onWait: (reason) => reasons.push(reason),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ServiceUnreachable)
    expect((error as Error).message).toMatch(/^postgres did not answer within 2 s \(.*ECONNREFUSED/)
    expect(reasons).toHaveLength(1)
  })

  it('should not wait out an error that retrying cannot fix', async () => {
    const url = new URL(testDatabaseUrl)
    url.username = 'no_such_role_here'
    const started = performance.now()
    const error = await waitForPostgres(url.toString(), noWait).catch((e: unknown) => e)
    // Retried, it would only end after the wait.
    expect(performance.now() - started).toBeLessThan(1000)
    expect(error).toBeInstanceOf(ServiceUnreachable)
    const message = (error as Error).message
    expect(message.startsWith(`postgres at no_such_role_here@${url.host}/`)).toBe(true)
    expect(message).toMatch(/ refused the connection: .*"no_such_role_here".* \(28000\)$/)
  })
})

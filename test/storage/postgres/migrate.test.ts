import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, ServiceUnreachable } from '../../../storage/postgres/database.js'
import {
  pendingMigrations,
  untilMigrated,
  type SchemaWait,
} from '../../../storage/postgres/migrate.js'
import { isolatedServices, testDatabaseUrl, type TestServices } from '../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

/** A URL like the tests' with `change` applied. */
const urlWith = (change: (url: URL) => void) => {
  const url = new URL(testDatabaseUrl)
  change(url)
  return url.toString()
}

describe('untilMigrated', () => {
  it('should wait while a migration is missing, say which, and go on once it is applied', async () => {
    expect(await pendingMigrations(s.db)).toEqual([])
    const last = await sql<{ name: string; timestamp: string }>`
      DELETE FROM kysely_migration
      WHERE name = (SELECT max(name) FROM kysely_migration)
      RETURNING name, timestamp`.execute(s.db)
    const { name, timestamp } = last.rows[0]!
    expect(await pendingMigrations(s.db)).toEqual([name])

    const told: SchemaWait[] = []
    let done = false
    const waiting = untilMigrated(s.db, {
      url: testDatabaseUrl,
      onWait: (w) => told.push(w),
      pollMs: 50,
    }).then(() => {
      done = true
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(done).toBe(false)
    expect(told).toEqual([{ pending: [name] }])

    // `migrate` runs elsewhere.
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${name}, ${timestamp})`.execute(
      s.db,
    )
    await waiting
    expect(done).toBe(true)
  })

  it('should wait for a database that does not exist yet, as one with every migration missing', async () => {
    const url = urlWith((u) => {
      u.pathname = '/campaign_streams_not_created_yet'
    })
    const db = createDb(url, { maxConnections: 1 })
    const told: SchemaWait[] = []
    const error = await untilMigrated(db, {
      url,
      onWait: (w) => told.push(w),
      pollMs: 50,
      signal: AbortSignal.timeout(500),
    }).catch((e: unknown) => e)
    await db.destroy()
    expect((error as Error).name).toBe('AbortError')
    expect(told).toHaveLength(1)
    expect((told[0] as { pending: string[] }).pending).toEqual([
      ...(await pendingMigrations(s.db).then(() => allMigrations())),
    ])
  })

  it('should stop in one line when Postgres refuses the connection for good', async () => {
    const url = urlWith((u) => {
      u.username = 'no_such_role_here'
    })
    const db = createDb(url, { maxConnections: 1 })
    const error = await untilMigrated(db, { url, onWait: () => undefined }).catch((e: unknown) => e)
    await db.destroy()
    expect(error).toBeInstanceOf(ServiceUnreachable)
    expect((error as Error).message).toMatch(
      /^postgres at no_such_role_here@.* refused the connection: .* \(28000\)$/,
    )
  })
})

/** Every migration the code knows, as the migrated test schema lists them. */
async function allMigrations(): Promise<string[]> {
  const { rows } = await sql<{
    name: string
  }>`SELECT name FROM kysely_migration ORDER BY name`.execute(s.db)
  return rows.map((r) => r.name)
}

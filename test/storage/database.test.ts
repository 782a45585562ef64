import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createDb, prepared } from '../../storage/postgres/database.js'
import { testDatabaseUrl } from '../support/services.js'

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

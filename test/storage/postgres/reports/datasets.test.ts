import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { datasetQuery, DATASETS } from '../../../../storage/postgres/reports/datasets.js'
import { purchaseCampaign } from '../../../support/scoring.js'
import { isolatedServices, type TestServices } from '../../../support/services.js'

let s: TestServices
let first: string
let second: string

beforeAll(async () => {
  s = await isolatedServices()
  first = await purchaseCampaign(s)
  second = await purchaseCampaign(s, { itemId: '8' })
  const total = (campaign: string, user: string, minor: number, at: string) => ({
    campaign_id: campaign,
    user_id: user,
    total_minor: String(minor),
    reached_at: new Date(at),
  })
  await s.db
    .insertInto('purchase_total')
    .values([
      total(first, '5', 1250, '2026-06-01T10:00:00Z'),
      total(first, '12', 1250, '2026-06-01T09:00:00Z'),
      total(first, "7'; DROP TABLE campaign; --", 99, '2026-06-02T09:00:00Z'),
      total(first, '100%', 5, '2026-06-02T09:00:00Z'),
      total(second, '5', 700, '2026-06-01T10:00:00Z'),
    ])
    .execute()
})
afterAll(() => s.close())

const run = async (spec: Parameters<typeof datasetQuery>[2]) =>
  (await s.db.executeQuery(datasetQuery(s.db, 'purchase_totals', spec, { baseDigits: 2 }))).rows

describe('datasets', () => {
  it('should give each dataset a column for its campaign', () => {
    for (const [name, d] of Object.entries(DATASETS))
      expect(d.columns[d.campaignColumn], name).toBe('integer')
  })

  it('should read every dataset from a migrated database', async () => {
    for (const name of Object.keys(DATASETS)) {
      const columns = Object.keys(DATASETS[name]?.columns ?? {})
      const query = datasetQuery(
        s.db,
        name,
        { columns, filters: [], sort: [], limit: 1 },
        { baseDigits: 2 },
      )
      await expect(s.db.executeQuery(query)).resolves.toBeDefined()
    }
  })

  it('should rank, convert money, filter and sort with every value a parameter', async () => {
    const rows = await run({
      columns: ['user_id', 'total', 'position'],
      filters: [{ column: 'total', op: 'gte', value: '0.50' }],
      sort: [{ column: 'position', direction: 'asc' }],
      campaigns: [first],
    })
    expect(rows).toEqual([
      { user_id: '12', total: '12.50', position: 1 },
      { user_id: '5', total: '12.50', position: 2 },
      { user_id: "7'; DROP TABLE campaign; --", total: '0.99', position: 3 },
    ])
    const query = datasetQuery(
      s.db,
      'purchase_totals',
      {
        columns: ['user_id'],
        filters: [{ column: 'user_id', op: 'eq', value: "x' OR '1'='1" }],
        sort: [],
      },
      { baseDigits: 2 },
    )
    expect(query.sql).not.toContain("x' OR")
    expect(query.parameters).toContain("x' OR '1'='1")
  })

  it('should search text as written, wildcards included, and take lists and ranges', async () => {
    expect(
      await run({
        columns: ['user_id'],
        filters: [{ column: 'user_id', op: 'contains', value: '0%' }],
        sort: [],
      }),
    ).toEqual([{ user_id: '100%' }])
    const rows = await run({
      columns: ['campaign_id', 'user_id'],
      filters: [
        { column: 'user_id', op: 'in', value: ['5', '12'] },
        {
          column: 'reached_at',
          op: 'between',
          value: ['2026-06-01T09:30:00Z', '2026-06-01T23:00:00Z'],
        },
      ],
      sort: [{ column: 'campaign_id', direction: 'desc' }],
    })
    expect(rows).toEqual([
      { campaign_id: second, user_id: '5' },
      { campaign_id: first, user_id: '5' },
    ])
  })

  it('should refuse a column the dataset does not have, before any SQL', () => {
    expect(() =>
      datasetQuery(
        s.db,
        'purchase_totals',
        { columns: ['total_minor; --'], filters: [], sort: [] },
        { baseDigits: 2 },
      ),
    ).toThrow(RangeError)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { purchaseCampaign } from '../../support/scoring.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let owner: Record<string, string>

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  owner = await bearer('7')
})
afterAll(async () => {
  t.close()
  await s.close()
})

const template = {
  name: 'Top spenders',
  dataset: 'purchase_totals',
  columns: [
    { column: 'user_id' },
    { column: 'total', label: 'Total spent' },
    { column: 'position' },
  ],
  filters: [{ column: 'position', op: 'lte', value: 10 }],
  sort: [{ column: 'position', direction: 'asc' }],
  format: 'xlsx',
}
const create = async (body: unknown, headers = owner) =>
  t.app.request('/reports/templates', jsonBody('POST', body, headers))

describe('report templates', () => {
  it('should list the datasets with their typed columns', async () => {
    const res = await t.app.request('/reports/datasets', { headers: owner })
    const { datasets } = (await res.json()) as {
      datasets: { name: string; columns: { column: string; type: string }[] }[]
    }
    expect(datasets.map((d) => d.name)).toEqual([
      'outreach_call_attempts',
      'outreach_tasks_by_day_slot',
      'purchase_totals',
      'qualified_purchases',
      'factory_rows',
    ])
    expect(datasets.find((d) => d.name === 'purchase_totals')?.columns).toContainEqual({
      column: 'total',
      type: 'money',
    })
  })

  it('should define, read, change and delete a template, its owner only', async () => {
    const res = await create(template)
    expect(res.status).toBe(201)
    const made = (await res.json()) as { id: string }
    expect(made).toMatchObject({
      owner: '7',
      name: 'Top spenders',
      format: 'xlsx',
      sort: [{ column: 'position', direction: 'asc' }],
    })
    const other = await t.app.request(`/reports/templates/${made.id}`, {
      headers: await bearer('8'),
    })
    expect(other.status).toBe(404)
    const admin = await t.app.request(`/reports/templates/${made.id}`, {
      headers: await bearer('1', true),
    })
    expect(admin.status).toBe(200)

    const changed = await t.app.request(
      `/reports/templates/${made.id}`,
      jsonBody(
        'PATCH',
        { name: 'Top 5', filters: [{ column: 'position', op: 'lte', value: 5 }] },
        owner,
      ),
    )
    expect(await changed.json()).toMatchObject({
      name: 'Top 5',
      format: 'xlsx',
      filters: [{ value: 5 }],
      columns: template.columns,
    })
    const broken = await t.app.request(
      `/reports/templates/${made.id}`,
      jsonBody('PATCH', { dataset: 'qualified_purchases' }, owner),
    )
    expect(await broken.json()).toMatchObject({ status: 400, code: 'validation_failed' })

    const list = (await (await t.app.request('/reports/templates', { headers: owner })).json()) as {
      templates: unknown[]
    }
    expect(list.templates).toHaveLength(1)
    expect(
      (
        (await (
          await t.app.request('/reports/templates', { headers: await bearer('8') })
        ).json()) as { templates: unknown[] }
      ).templates,
    ).toEqual([])
    const deleted = await t.app.request(`/reports/templates/${made.id}`, {
      method: 'DELETE',
      headers: owner,
    })
    expect(deleted.status).toBe(204)
    expect((await t.app.request(`/reports/templates/${made.id}`, { headers: owner })).status).toBe(
      404,
    )
  })

  it('should answer every problem of a template by field at once', async () => {
    const res = await create({
      ...template,
      columns: [{ column: 'user_id' }, { column: 'nope' }],
      filters: [
        { column: 'reached_at', op: 'eq', value: 'today' },
        { column: 'total', op: 'gt', value: 'lots' },
      ],
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      code: 'validation_failed',
      errors: [
        { field: 'columns.1.column', message: 'purchase_totals has no column nope' },
        {
          field: 'filters.0.op',
          message: 'must be one of lt, lte, gt, gte, between, isNull for a datetime column',
        },
        { field: 'filters.1.value', message: 'must be a decimal number such as "12.50"' },
      ],
    })
    expect((await create({ ...template, dataset: 'users' })).status).toBe(400)
  })

  it('should let an admin grant and withdraw a campaign to a user', async () => {
    const campaignId = await purchaseCampaign(s)
    const admin = await bearer('1', true)
    const granted = await t.app.request(`/campaigns/${campaignId}/viewers/7`, {
      method: 'PUT',
      headers: admin,
    })
    expect(await granted.json()).toEqual({ campaignId, userId: '7' })
    expect(await s.db.selectFrom('campaign_viewer').select('user_id').execute()).toEqual([
      { user_id: '7' },
    ])
    expect(
      (await t.app.request(`/campaigns/${campaignId}/viewers/7`, { method: 'PUT', headers: owner }))
        .status,
    ).toBe(403)
    expect(
      (
        await t.app.request(`/campaigns/${campaignId}/viewers/7`, {
          method: 'DELETE',
          headers: admin,
        })
      ).status,
    ).toBe(204)
    expect(
      (
        await t.app.request(`/campaigns/${campaignId}/viewers/7`, {
          method: 'DELETE',
          headers: admin,
        })
      ).status,
    ).toBe(404)
    expect(
      (await t.app.request('/campaigns/999999/viewers/7', { method: 'PUT', headers: admin }))
        .status,
    ).toBe(404)
  })
})

describe('report previews', () => {
  it('should show the first rows as the owner may see them, narrowed when a grant is withdrawn', async () => {
    const seen = await purchaseCampaign(s, { itemId: '21' })
    const unseen = await purchaseCampaign(s, { itemId: '22' })
    await s.db
      .insertInto('purchase_total')
      .values([
        {
          campaign_id: seen,
          user_id: '5',
          total_minor: '1250',
          reached_at: new Date('2026-06-01T10:00:00Z'),
        },
        {
          campaign_id: unseen,
          user_id: '6',
          total_minor: '700',
          reached_at: new Date('2026-06-01T10:00:00Z'),
        },
      ])
      .execute()
    const admin = await bearer('1', true)
    await t.app.request(`/campaigns/${seen}/viewers/9`, { method: 'PUT', headers: admin })
    const viewer = await bearer('9')
    const made = (await (
      await create(
        {
          name: 'All totals',
          dataset: 'purchase_totals',
          columns: [
            { column: 'campaign_id' },
            { column: 'user_id', label: 'User' },
            { column: 'total' },
            { column: 'reached_at' },
          ],
          filters: [{ column: 'reached_at', op: 'lt', value: 'today' }],
          sort: [{ column: 'total', direction: 'desc' }],
        },
        viewer,
      )
    ).json()) as { id: string }
    const preview = async () =>
      (await (
        await t.app.request(`/reports/templates/${made.id}/preview?timezone=Asia/Kolkata`, {
          headers: viewer,
        })
      ).json()) as {
        columns: { label: string; type: string }[]
        rows: unknown[][]
      }
    const first = await preview()
    expect(first.columns.map((c) => `${c.label}:${c.type}`)).toEqual([
      'campaign_id:integer',
      'User:string',
      'total:money',
      'reached_at:datetime',
    ])
    expect(first.rows).toEqual([[Number(seen), '5', '12.50', '2026-06-01T10:00:00.000Z']])
    await t.app.request(`/campaigns/${seen}/viewers/9`, { method: 'DELETE', headers: admin })
    expect((await preview()).rows).toEqual([])

    const adminsOwn = (await (
      await create(
        {
          name: 'Everything',
          dataset: 'purchase_totals',
          columns: [{ column: 'user_id' }],
          sort: [{ column: 'user_id', direction: 'asc' }],
        },
        admin,
      )
    ).json()) as { id: string }
    const all = (await (
      await t.app.request(`/reports/templates/${adminsOwn.id}/preview`, { headers: admin })
    ).json()) as { rows: unknown[][] }
    expect(all.rows).toEqual([['5'], ['6']])
    const badZone = await t.app.request(
      `/reports/templates/${adminsOwn.id}/preview?timezone=Mars/Olympus`,
      { headers: admin },
    )
    expect(badZone.status).toBe(400)
  })
})

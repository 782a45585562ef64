import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setCampaignPaused } from '../../storage/postgres/campaign.repository.js'
import { bearer, jsonBody, testApp } from '../support/app.js'
import { exampleOutreach } from '../support/example-outreach.js'
import { examplePurchase } from '../support/example-purchase.js'
import { isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let admin: Record<string, string>

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  admin = await bearer('1', true)
})
afterAll(async () => {
  t.close()
  await s.close()
})

const campaign = examplePurchase

describe('POST /campaigns', () => {
  it('should create a purchase campaign and show it', async () => {
    const res = await t.app.request('/campaigns', jsonBody('POST', campaign, admin))
    expect(res.status).toBe(201)
    const body = (await res.json()) as { campaignId: string }
    expect(body).toMatchObject({
      ...campaign,
      startDateTime: '2026-11-22T10:00:00.000Z',
      endDateTime: '2099-11-29T10:00:00.000Z',
      status: 'Scheduled',
    })
    expect(res.headers.get('location')).toBe(`/campaigns/${body.campaignId}`)
    const got = await t.app.request(`/campaigns/${body.campaignId}`)
    expect(await got.json()).toEqual(body)
    const active = (await (await t.app.request('/campaigns/active?type=purchase')).json()) as {
      campaigns: { campaignId: string }[]
    }
    expect(active.campaigns.map((c) => c.campaignId)).toContain(body.campaignId)
  })

  it('should answer 401 without a token and 403 for a non-admin', async () => {
    expect((await t.app.request('/campaigns', jsonBody('POST', campaign))).status).toBe(401)
    const res = await t.app.request('/campaigns', jsonBody('POST', campaign, await bearer('2')))
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 403, code: 'forbidden' })
  })

  it('should answer a body that is not JSON with 415, and malformed JSON with 400', async () => {
    const sent = async (body: string, type: string) => {
      const res = await t.app.request('/campaigns', {
        method: 'POST',
        body,
        headers: { ...admin, 'content-type': type },
      })
      return [res.status, ((await res.json()) as { code: string }).code]
    }
    expect(await sent('type=purchase', 'application/x-www-form-urlencoded')).toEqual([
      415,
      'unsupported_media_type',
    ])
    expect(await sent('{"type":', 'application/json')).toEqual([400, 'malformed_json'])
  })

  it('should report every broken field in one problem', async () => {
    const res = await t.app.request(
      '/campaigns',
      jsonBody(
        'POST',
        {
          ...campaign,
          itemId: 'x7',
          prize: { value: '1.001', currency: 'USD' },
          endDateTime: '2020-01-01T00:00:00Z',
        },
        admin,
      ),
    )
    expect(res.status).toBe(400)
    const body = (await res.json()) as { code: string; errors: { field: string }[] }
    expect(body.code).toBe('validation_failed')
    expect(body.errors.map((e) => e.field).sort()).toEqual(['endDateTime', 'itemId', 'prize.value'])
  })

  it('should list campaigns of one type or both, by id', async () => {
    const made = async (body: object) =>
      (
        (await (await t.app.request('/campaigns', jsonBody('POST', body, admin))).json()) as {
          campaignId: string
        }
      ).campaignId
    const purchase = await made(campaign)
    const outreach = await made(exampleOutreach)
    type Listed = {
      campaigns: { campaignId: string; type: string; status: string; today?: object }[]
    }
    const list = async (query: string, headers: Record<string, string> = admin) =>
      (await (await t.app.request(`/campaigns${query}`, { headers })).json()) as Listed
    const purchases = await list('?type=purchase')
    expect(purchases.campaigns.every((c) => c.type === 'purchase' && c.today === undefined)).toBe(
      true,
    )
    expect(purchases.campaigns.find((c) => c.campaignId === purchase)).toMatchObject({
      prize: campaign.prize,
      status: 'Scheduled',
    })
    const all = (await list('')).campaigns
    expect(all.find((c) => c.campaignId === outreach)?.today).toMatchObject({ uploaded: 0 })
    const ids = all.map((c) => BigInt(c.campaignId))
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)))
    expect(ids).toEqual(expect.arrayContaining([BigInt(purchase), BigInt(outreach)]))
    expect((await t.app.request('/campaigns?type=nope')).status).toBe(400)
    // Outreach campaigns (flow URL, contact counts) are for admins only.
    const user = await bearer('42')
    for (const headers of [{}, user]) {
      const shown = (await list('', headers)).campaigns
      expect(shown.map((c) => c.type)).not.toContain('outreach')
      expect(shown.map((c) => c.campaignId)).toContain(purchase)
    }
    expect((await t.app.request('/campaigns?type=outreach')).status).toBe(401)
    expect((await t.app.request('/campaigns?type=outreach', { headers: user })).status).toBe(403)
    expect(
      (await t.app.request('/campaigns', { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401)
  })

  it('should list campaigns in pages, and by status', async () => {
    for (let i = 0; i < 3; i++) await t.app.request('/campaigns', jsonBody('POST', campaign, admin))
    // Its End event was committed (the lifecycle actor does not run here).
    const over = { ...campaign, endDateTime: '2098-11-23T10:00:00Z' }
    const ended = (await (
      await t.app.request('/campaigns', jsonBody('POST', over, admin))
    ).json()) as { campaignId: string }
    await s.db
      .updateTable('campaign')
      .set({ status: 'Ended' })
      .where('id', '=', ended.campaignId)
      .execute()
    type Page = { campaigns: { campaignId: string; status: string }[]; next?: string }
    const page = async (query: string) =>
      (await (await t.app.request(`/campaigns?type=purchase${query}`)).json()) as Page
    const everything = (await page('&limit=1000')).campaigns.map((c) => c.campaignId)
    expect(everything.length).toBeGreaterThanOrEqual(4)
    const paged: string[] = []
    let next: string | undefined
    do {
      const got = await page(`&limit=2${next === undefined ? '' : `&after=${next}`}`)
      expect(got.campaigns.length).toBeLessThanOrEqual(2)
      paged.push(...got.campaigns.map((c) => c.campaignId))
      next = got.next
    } while (next !== undefined)
    expect(paged).toEqual(everything)
    const endedOnes = (await page('&status=Ended')).campaigns
    expect(endedOnes.map((c) => c.campaignId)).toEqual([ended.campaignId])
    expect((await page('&status=Scheduled')).campaigns.map((c) => c.campaignId)).not.toContain(
      ended.campaignId,
    )
    expect((await t.app.request('/campaigns?limit=0')).status).toBe(400)
    expect((await t.app.request('/campaigns?after=x')).status).toBe(400)
    expect((await t.app.request('/campaigns?status=Done')).status).toBe(400)
  })

  it('should list the outreach campaigns paused now, or those that are not', async () => {
    const create = async () =>
      (
        (await (
          await t.app.request('/campaigns', jsonBody('POST', exampleOutreach, admin))
        ).json()) as { campaignId: string }
      ).campaignId
    const paused = await create()
    const running = await create()
    await setCampaignPaused(s.db, paused, { at: new Date(), by: '1' })
    const ids = async (query: string) =>
      (
        (await (
          await t.app.request(`/campaigns?type=outreach&limit=1000${query}`, { headers: admin })
        ).json()) as { campaigns: { campaignId: string; pausedAt?: string }[] }
      ).campaigns
    expect((await ids('&paused=true')).map((c) => c.campaignId)).toEqual([paused])
    expect((await ids('&paused=true'))[0]).toHaveProperty('pausedAt')
    const notPaused = (await ids('&paused=false')).map((c) => c.campaignId)
    expect(notPaused).toContain(running)
    expect(notPaused).not.toContain(paused)
    expect((await t.app.request('/campaigns?paused=yes', { headers: admin })).status).toBe(400)
  })

  it('should show an outreach campaign to admins only, in the order it was given', async () => {
    const created = await t.app.request('/campaigns', jsonBody('POST', exampleOutreach, admin))
    const { campaignId } = (await created.json()) as { campaignId: string }
    expect((await t.app.request(`/campaigns/${campaignId}`)).status).toBe(401)
    const user = await bearer('42')
    expect((await t.app.request(`/campaigns/${campaignId}`, { headers: user })).status).toBe(403)
    expect((await t.app.request(`/campaigns/${campaignId}/dashboard`)).status).toBe(401)
    const res = await t.app.request(`/campaigns/${campaignId}`, { headers: admin })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body)).toEqual([
      'campaignId',
      'type',
      'name',
      'timezone',
      'workingHours',
      'slots',
      'startDate',
      'days',
      'flow',
      'ratePerSecond',
      'status',
    ])
    expect(body.slots).toEqual(exampleOutreach.slots)
    expect(JSON.stringify(body.slots)).toBe(JSON.stringify(exampleOutreach.slots))
    // Retries are a setting of campaigns without slots only.
    expect(Object.keys(body.flow as object)).toEqual(['url', 'timeoutMs'])
    const retries = { ...exampleOutreach.flow, maxAttempts: 3, retryDelaySeconds: 60 }
    const slotted = await t.app.request(
      '/campaigns',
      jsonBody('POST', { ...exampleOutreach, flow: retries }, admin),
    )
    expect(slotted.status).toBe(400)
    expect(
      ((await slotted.json()) as { errors: { field: string }[] }).errors.map((e) => e.field),
    ).toEqual(['flow.maxAttempts', 'flow.retryDelaySeconds'])
    const slotless = await t.app.request(
      '/campaigns',
      jsonBody('POST', { ...exampleOutreach, slots: [], flow: exampleOutreach.flow }, admin),
    )
    expect(((await slotless.json()) as { flow: object }).flow).toEqual({
      url: exampleOutreach.flow.url,
      timeoutMs: exampleOutreach.flow.timeoutMs,
      maxAttempts: 3,
      retryDelaySeconds: 600,
    })
  })

  it('should refuse a campaign that is over already', async () => {
    const refused = async (body: object) => {
      const res = await t.app.request('/campaigns', jsonBody('POST', body, admin))
      return { status: res.status, ...((await res.json()) as object) }
    }
    expect(
      await refused({
        ...campaign,
        startDateTime: '2026-01-01T00:00:00Z',
        endDateTime: '2026-01-02T00:00:00Z',
      }),
    ).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'endDateTime', message: 'must be in the future' }],
    })
    expect(await refused({ ...exampleOutreach, startDate: '2026-01-01', days: 2 })).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'startDate', message: "the campaign's last day, 2026-01-02, is over" }],
    })
  })

  it('should give a malformed prize one message, not also a precision one', async () => {
    const errors = async (prize: object) =>
      (
        (await (
          await t.app.request('/campaigns', jsonBody('POST', { ...campaign, prize }, admin))
        ).json()) as { errors: unknown[] }
      ).errors
    expect(await errors({ value: 'ten', currency: 'USD' })).toEqual([
      { field: 'prize.value', message: 'must be a decimal such as 100.00' },
    ])
    expect(await errors({ value: '-1', currency: 'USD' })).toEqual([
      { field: 'prize.value', message: 'must be positive' },
    ])
    expect(await errors({ value: '1.00001', currency: 'USD' })).toEqual([
      { field: 'prize.value', message: 'must have at most 15 digits before the point and 4 after' },
    ])
    expect(await errors({ value: '1.5', currency: 'JPY' })).toEqual([
      { field: 'prize.value', message: 'has more decimals than the currency allows' },
    ])
  })

  it('should tell a winner not decided yet from a campaign nobody qualified in', async () => {
    const created = (await (
      await t.app.request(
        '/campaigns',
        jsonBody('POST', { ...campaign, endDateTime: '2099-01-01T00:00:00Z' }, admin),
      )
    ).json()) as { campaignId: string }
    const id = created.campaignId
    const winnerAt = async (iso: string) => {
      const view = testApp(s, { now: () => Date.parse(iso) }, { settleSeconds: 5 })
      try {
        const res = await view.app.request(`/campaigns/${id}/winner`)
        expect(res.status).toBe(404)
        return (await res.json()) as { code: string; title: string }
      } finally {
        view.close()
      }
    }
    expect(await winnerAt('2098-12-31T23:00:00Z')).toEqual(
      expect.objectContaining({
        code: 'winner_not_decided',
        title: 'The campaign has not ended; its winner is decided from 2099-01-01T00:00:05.000Z',
      }),
    )
    expect(await winnerAt('2099-01-01T00:00:03Z')).toMatchObject({ code: 'winner_not_decided' })
    expect(await winnerAt('2099-01-01T01:00:00Z')).toMatchObject({
      code: 'no_winner',
      title: `Nobody qualified: no purchase counted for campaign ${id}`,
    })
    // With a total, a winner is owed: it is still being decided.
    await s.db
      .insertInto('purchase_total')
      .values({ campaign_id: id, user_id: '5', total_minor: '100', reached_at: new Date() })
      .execute()
    expect(await winnerAt('2099-01-01T01:00:00Z')).toMatchObject({ code: 'winner_not_decided' })
  })

  it('should answer 404 for an unknown campaign and route, 400 for the wrong kind of campaign', async () => {
    expect(await (await t.app.request('/campaigns/999999')).json()).toMatchObject({
      code: 'campaign_not_found',
    })
    expect((await t.app.request('/nowhere')).status).toBe(404)
    const outreach = await t.app.request('/campaigns', jsonBody('POST', exampleOutreach, admin))
    const { campaignId } = (await outreach.json()) as { campaignId: string }
    for (const path of [
      `/campaigns/${campaignId}/winner`,
      `/records/top/10/${campaignId}`,
      `/records/stream/${campaignId}`,
    ])
      expect(await (await t.app.request(path)).json()).toMatchObject({
        status: 400,
        code: 'not_purchase',
        title: `Campaign ${campaignId} is not a purchase campaign`,
      })
    const position = await t.app.request('/records/position/999999/1', { headers: admin })
    expect(await position.json()).toMatchObject({ status: 404, code: 'campaign_not_found' })
  })
})

describe('currency rates', () => {
  it('should store a rate for admins and list it', async () => {
    const res = await t.app.request('/currency-rates/EUR', jsonBody('PUT', { rate: '1.25' }, admin))
    expect(res.status).toBe(200)
    const list = (await (await t.app.request('/currency-rates')).json()) as {
      rates: { currency: string; rate: string }[]
    }
    expect(list.rates).toEqual([expect.objectContaining({ currency: 'EUR', rate: '1.25' })])
    const refused = async (currency: string, rate: string) =>
      await (
        await t.app.request(`/currency-rates/${currency}`, jsonBody('PUT', { rate }, admin))
      ).json()
    expect(await refused('EUR', '0')).toMatchObject({
      errors: [{ field: 'rate', message: 'must be greater than zero' }],
    })
    expect(await refused('EUR', '-1')).toMatchObject({
      errors: [{ field: 'rate', message: 'must be positive' }],
    })
    expect(await refused('EUR', '1,25')).toMatchObject({
      errors: [{ field: 'rate', message: 'must be a decimal such as 1.25' }],
    })
    expect(await refused('USD', '2')).toMatchObject({
      status: 400,
      code: 'base_currency',
      title: 'USD is the base currency: its rate is always 1',
    })
  })
})

describe('GET /docs', () => {
  it('should serve Swagger UI over /openapi.json', async () => {
    const res = await t.app.request('/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const page = await res.text()
    expect(page).toContain("url: '/openapi.json'")
    expect(page).toContain('SwaggerUIBundle')
    // Nothing from another host: the page works on a closed network.
    const assets = [...page.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] ?? '')
    expect(assets.sort()).toEqual([
      '/docs/assets/swagger-ui-dist/swagger-ui-bundle.js',
      '/docs/assets/swagger-ui-dist/swagger-ui.css',
    ])
    for (const asset of assets) {
      const served = await t.app.request(asset)
      expect(served.status).toBe(200)
      expect((await served.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
    }
    expect((await t.app.request('/docs/assets/swagger-ui-dist/package.json')).status).toBe(404)
  })
})

describe('GET /openapi.json', () => {
  it('should describe every route the app serves', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    const served = t.app.routes
      .filter(
        (r) => r.method !== 'ALL' && r.path !== '/openapi.json' && !r.path.startsWith('/docs'),
      )
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    expect(new Set(documented)).toEqual(new Set(served))
    expect(served.length).toBeGreaterThan(15)
    const get = doc.paths['/campaigns/{id}']?.get as { responses: Record<string, unknown> }
    expect(Object.keys(get.responses)).toEqual(['200', '400', '401', '403', '404', '503'])
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

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

const client = {
  accountToken: 'tok-1234567890',
  targetUrl: 'http://127.0.0.1:4010/collect',
  method: 'POST',
  mapping: {
    'Visit date': {
      field: 'ts',
      handler: 'datetime',
      required: true,
      options: { zone: 'Europe/London' },
    },
    Email: { field: 'uid', handler: 'sha256' },
    Event: { field: 'ev', handler: 'enum', options: { values: ['visit', 'sale'] } },
  },
  ratePerSecond: 20,
}
const put = (name: string, body: unknown, headers = admin) =>
  t.app.request(`/replay/clients/${name}`, jsonBody('PUT', body, headers))

describe('replay clients', () => {
  it('should save, replace, read, list and delete a client, never showing its token whole', async () => {
    const created = await put('c-a-norton-uk', client)
    expect(created.status).toBe(201)
    const view = (await created.json()) as Record<string, unknown>
    expect(view).toMatchObject({
      name: 'c-a-norton-uk',
      accountToken: 'tok-…(14)',
      tokenField: 'token',
      method: 'POST',
      ratePerSecond: 20,
      timeoutMs: 10_000,
      maxAttempts: 5,
    })
    expect(JSON.stringify(view)).not.toContain('tok-1234567890')
    expect((await put('c-a-norton-uk', { ...client, ratePerSecond: 5 })).status).toBe(200)
    const read = await t.app.request('/replay/clients/c-a-norton-uk', { headers: admin })
    expect(await read.json()).toMatchObject({ ratePerSecond: 5 })
    const list = (await (await t.app.request('/replay/clients', { headers: admin })).json()) as {
      clients: { name: string; accountToken: string }[]
    }
    expect(list.clients.map((c) => [c.name, c.accountToken])).toEqual([
      ['c-a-norton-uk', 'tok-…(14)'],
    ])
    expect(
      (await t.app.request('/replay/clients/c-a-norton-uk', { method: 'DELETE', headers: admin }))
        .status,
    ).toBe(204)
    expect((await t.app.request('/replay/clients/c-a-norton-uk', { headers: admin })).status).toBe(
      404,
    )
  })

  it('should refuse a target outside the allow-list and a bad mapping, by field', async () => {
    const res = await put('bad', {
      ...client,
      targetUrl: 'http://10.1.2.3/collect',
      tokenField: 'uid',
      mapping: {
        ...client.mapping,
        Amount: { field: 'amt', handler: 'moneyish' },
        Zone: { field: 'z', handler: 'datetime', options: { zone: 'Mars/Olympus' } },
        Again: { field: 'ev', handler: 'string' },
      },
    })
    expect(res.status).toBe(400)
    const { errors } = (await res.json()) as { errors: { field: string; message: string }[] }
    expect(errors.map((e) => e.field)).toEqual([
      'targetUrl',
      'mapping.Amount.handler',
      'mapping.Zone.options',
      'mapping.Again.field',
      'tokenField',
    ])
    expect(errors[0]?.message).toContain('10.1.2.3')
    expect((await t.app.request('/replay/clients/bad', { headers: admin })).status).toBe(404)
  })

  it('should refuse a mapped column its template does not have, and give the template', async () => {
    const columns = ['Visit date', 'Email', 'Event, kind', 'Notes']
    const misspelt = await put('templated', {
      ...client,
      columns: ['Visit Date', 'Email', 'email'],
    })
    expect(misspelt.status).toBe(400)
    const { errors } = (await misspelt.json()) as { errors: { field: string }[] }
    expect(errors.map((e) => e.field)).toEqual(['columns.2', 'mapping.Visit date', 'mapping.Event'])
    const mapping = { ...client.mapping, 'Event, kind': client.mapping.Event }
    delete (mapping as Partial<typeof mapping>).Event
    const saved = await put('templated', { ...client, mapping, columns })
    expect(saved.status).toBe(201)
    expect(await saved.json()).toMatchObject({ columns })
    const template = await t.app.request('/replay/clients/templated/template', { headers: admin })
    expect(template.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(template.headers.get('content-disposition')).toContain('templated-template.csv')
    expect(await template.text()).toBe('Visit date,Email,"Event, kind",Notes\n')
    // Without columns, the template is the mapped columns.
    await put('untemplated', client)
    const plain = await t.app.request('/replay/clients/untemplated/template', { headers: admin })
    expect(await plain.text()).toBe('Visit date,Email,Event\n')
    expect(
      (await t.app.request('/replay/clients/nobody/template', { headers: admin })).status,
    ).toBe(404)
  })

  it('should be for admins only', async () => {
    expect((await put('mine', client, await bearer('7'))).status).toBe(403)
    expect(
      (await t.app.request('/replay/clients/mine/template', { headers: await bearer('7') })).status,
    ).toBe(403)
    expect((await t.app.request('/replay/clients', { headers: await bearer('7') })).status).toBe(
      403,
    )
  })
})

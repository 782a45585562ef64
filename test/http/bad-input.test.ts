import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_FIELD_ERRORS } from '../../http/problem.js'
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

const purchase = examplePurchase
/** A JSON body written as text, so that it may hold what JSON.stringify would not write. */
const rawJson = (method: string, text: string) => ({
  method,
  body: text,
  headers: { ...admin, 'content-type': 'application/json' },
})
const problemOf = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  return (await res.json()) as {
    code: string
    errors?: { field: string; message: string }[]
    moreErrors?: number
  }
}

describe('bad input', () => {
  it('should answer many identical slots with one short problem', async () => {
    const slots = Array.from({ length: 1790 }, () => ({ start: '10:00', end: '12:00' }))
    const res = await t.app.request(
      '/campaigns',
      jsonBody('POST', { ...exampleOutreach, slots }, admin),
    )
    expect(res.status).toBe(400)
    const text = await res.text()
    expect(text.length).toBeLessThan(2000)
    const problem = JSON.parse(text) as { code: string; errors: unknown[] }
    expect(problem.code).toBe('validation_failed')
    expect(problem.errors).toEqual([{ field: 'slots', message: 'at most 2 slots a day' }])
  })

  it('should list at most a hundred field errors and count the rest', async () => {
    const headers = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`bad header ${i}`, 'x']),
    )
    const res = await t.app.request(
      '/campaigns',
      jsonBody('POST', { ...exampleOutreach, flow: { ...exampleOutreach.flow, headers } }, admin),
    )
    expect(res.status).toBe(400)
    const problem = await problemOf(res)
    expect(problem.errors).toHaveLength(MAX_FIELD_ERRORS)
    expect(problem.moreErrors).toBe(51) // 150 bad names and "at most 20 headers"
  })

  it('should refuse text storage cannot hold, in a new campaign and in a change', async () => {
    const created = await t.app.request('/campaigns', jsonBody('POST', exampleOutreach, admin))
    const { campaignId } = (await created.json()) as { campaignId: string }
    const name = (escaped: string) =>
      JSON.stringify({ ...exampleOutreach, name: 'x' }).replace('"name":"x"', `"name":"${escaped}"`)
    for (const escaped of ['a\\u0000b', 'a\\ud800b', '\\udc00']) {
      const post = await t.app.request('/campaigns', rawJson('POST', name(escaped)))
      expect(post.status).toBe(400)
      expect(await problemOf(post)).toMatchObject({
        code: 'invalid_text',
        errors: [{ field: 'name' }],
      })
      const patch = await t.app.request(
        `/campaigns/${campaignId}`,
        rawJson('PATCH', `{"name":"${escaped}"}`),
      )
      expect(patch.status).toBe(400)
      expect((await problemOf(patch)).code).toBe('invalid_text')
    }
    // A pair of surrogates is one character, and is kept.
    const emoji = await t.app.request('/campaigns', rawJson('POST', name('\\ud83d\\ude00')))
    expect(emoji.status).toBe(201)
  })

  it('should refuse a prize currency that is not ISO 4217 with a field error', async () => {
    for (const currency of ['US', '', "USD'; DROP TABLE campaign;--", 'XXZ', 'usd']) {
      const res = await t.app.request(
        '/campaigns',
        jsonBody('POST', { ...purchase, prize: { value: '1.00', currency } }, admin),
      )
      expect({ currency, status: res.status }).toEqual({ currency, status: 400 })
      expect((await problemOf(res)).errors?.map((e) => e.field)).toContain('prize.currency')
    }
  })

  it('should take numbers in paths in decimal digits only', async () => {
    const created = await t.app.request('/campaigns', jsonBody('POST', purchase, admin))
    const { campaignId } = (await created.json()) as { campaignId: string }
    for (const n of ['0x10', '1e3', '%201', '-1', '1.0'])
      expect(
        (await t.app.request(`/records/top/${n}/${campaignId}`, { headers: admin })).status,
      ).toBe(400)
    expect((await t.app.request(`/records/top/10/${campaignId}`, { headers: admin })).status).toBe(
      200,
    )
  })

  it('should answer a multipart body without a boundary, and a large file of the wrong type, with 4xx', async () => {
    const created = await t.app.request('/campaigns', jsonBody('POST', exampleOutreach, admin))
    const { campaignId } = (await created.json()) as { campaignId: string }
    const send = (type: string, body: string) =>
      t.app.request(`/campaigns/${campaignId}/uploads`, {
        method: 'POST',
        body,
        headers: { ...admin, 'content-type': type },
      })
    const noBoundary = await send('multipart/form-data', 'phone\n1234567\n')
    expect(noBoundary.status).toBe(400)
    expect((await problemOf(noBoundary)).code).toBe('malformed_multipart')
    // curl's default form type, with a file larger than a JSON body may be.
    const csv = `phone\n${'1234567\n'.repeat(14_500)}`
    const form = await send('application/x-www-form-urlencoded', csv)
    expect(form.status).toBe(415)
    expect((await problemOf(form)).code).toBe('unsupported_media_type')
  })

  it('should refuse a flow URL the outbound policy does not allow, when created and when changed', async () => {
    const withUrl = (url: string) => ({
      ...exampleOutreach,
      flow: { ...exampleOutreach.flow, url },
    })
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://2852039166/',
      'http://0xA9FEA9FE/',
      'http://metadata.google.internal/',
      'http://user:pass@127.0.0.1:4000/flow',
      'http://10.0.0.1/flow',
      'http://0.0.0.0:6379/',
    ]) {
      const res = await t.app.request('/campaigns', jsonBody('POST', withUrl(url), admin))
      expect({ url, status: res.status }).toEqual({ url, status: 400 })
      expect((await problemOf(res)).errors?.map((e) => e.field)).toEqual(['flow.url'])
    }
    const created = await t.app.request('/campaigns', jsonBody('POST', exampleOutreach, admin))
    const { campaignId } = (await created.json()) as { campaignId: string }
    const change = await t.app.request(
      `/campaigns/${campaignId}`,
      jsonBody('PATCH', { flow: { url: 'http://192.168.1.1/flow' } }, admin),
    )
    expect(change.status).toBe(400)
    expect((await problemOf(change)).errors).toEqual([
      {
        field: 'flow.url',
        message:
          '192.168.1.1 is a private address: OUTBOUND_ALLOW must name the host or a CIDR holding it',
      },
    ])
  })

  it('should answer a token that is not valid with 401 on every route, quoting nothing of it', async () => {
    const forged = await bearer('1', true, 'another-secret-of-some-length')
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'sneaky' }))
    const payload = Buffer.from(JSON.stringify({ sub: '1', role: 'admin' }))
    const none = {
      authorization: `Bearer ${header.toString('base64url')}.${payload.toString('base64url')}.`,
    }
    const created = await t.app.request('/campaigns', jsonBody('POST', purchase, admin))
    const { campaignId } = (await created.json()) as { campaignId: string }
    for (const path of [`/records/top/10/${campaignId}`, '/healthz', '/campaigns']) {
      for (const headers of [forged, none]) {
        const res = await t.app.request(path, { headers })
        expect({ path, status: res.status }).toEqual({ path, status: 401 })
        const text = await res.text()
        expect(text).not.toMatch(/sneaky|"alg"|none/)
        expect(res.headers.get('www-authenticate') ?? '').not.toMatch(/sneaky|alg|none/)
      }
    }
    expect((await t.app.request(`/records/top/10/${campaignId}`)).status).toBe(200)
  })
})

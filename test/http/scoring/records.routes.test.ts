import { sign } from 'hono/jwt'
import { finalize, interval, map } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { bearer, TEST_SECRET, testApp } from '../../support/app.js'
import { buy, purchaseCampaign, scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let workers: Workers
let campaignId: string

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  const deps = scoringDeps(s)
  campaignId = await purchaseCampaign(s, { prize: { value: '50.00', currency: 'USD' } })
  workers = await startWorkers(deps, ['purchase-qualify', 'reduce-to-leaderboard'])
})
afterAll(async () => {
  await workers.stop()
  t.close()
  await s.close()
})

const buyAt = (userId: string, amount: string, timestamp: string) =>
  buy(s, { userId, amount, timestamp })

const top = async (n: number) =>
  (await (await t.app.request(`/records/top/${n}/${campaignId}`)).json()) as {
    records: { positions: { userId: string; position: number; totalAmount: { value: string } }[] }
  }

describe('leaderboard queries', () => {
  it('should rank ties by the earlier moment reached, then the lower user id', async () => {
    await buyAt('30', '5.00', '2026-06-01T10:00:00Z')
    await buyAt('20', '5.00', '2026-06-01T10:00:00Z')
    await buyAt('10', '5.00', '2026-06-01T10:00:01Z')
    await buyAt('40', '9.00', '2026-06-01T12:00:00Z')
    const body = await eventually(async () => {
      const b = await top(10)
      return b.records.positions.length === 4 ? b : undefined
    })
    expect(body.records.positions).toEqual([
      { userId: '40', position: 1, totalAmount: { value: '9.00', currency: 'USD' } },
      { userId: '20', position: 2, totalAmount: { value: '5.00', currency: 'USD' } },
      { userId: '30', position: 3, totalAmount: { value: '5.00', currency: 'USD' } },
      { userId: '10', position: 4, totalAmount: { value: '5.00', currency: 'USD' } },
    ])
    expect((await top(2)).records.positions.map((p) => p.userId)).toEqual(['40', '20'])
  })

  it('should reject n outside 1..1000', async () => {
    expect((await t.app.request(`/records/top/0/${campaignId}`)).status).toBe(400)
    expect((await t.app.request(`/records/top/1001/${campaignId}`)).status).toBe(400)
  })

  it('should show a position only to that user or an admin', async () => {
    const url = `/records/position/${campaignId}/30`
    expect((await t.app.request(url)).status).toBe(401)
    expect(
      (await t.app.request(url, { headers: { authorization: 'Bearer nonsense' } })).status,
    ).toBe(401)
    expect(
      (await t.app.request(url, { headers: await bearer('30', false, 'another-secret-of-length') }))
        .status,
    ).toBe(401)
    expect((await t.app.request(url, { headers: await bearer('20') })).status).toBe(403)
    const own = await t.app.request(url, { headers: await bearer('30') })
    expect(await own.json()).toEqual({
      headers: [],
      record: {
        campaignId,
        userId: '30',
        position: 3,
        totalAmount: { value: '5.00', currency: 'USD' },
      },
    })
    expect((await t.app.request(url, { headers: await bearer('99', true) })).status).toBe(200)
    const none = await t.app.request(`/records/position/${campaignId}/31`, {
      headers: await bearer('31'),
    })
    expect(none.status).toBe(404)
    expect(await none.json()).toMatchObject({ code: 'no_qualified_purchase' })
  })

  it('should say why a token is refused, with a challenge, and never echo the token', async () => {
    const url = `/records/position/${campaignId}/30`
    const missing = await t.app.request(url)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="campaign-streams"')
    const now = Math.floor(Date.now() / 1000)
    const refused = async (payload: Record<string, unknown>, secret = TEST_SECRET) => {
      const token = await sign(payload, secret, 'HS256')
      const res = await t.app.request(url, { headers: { authorization: `Bearer ${token}` } })
      const text = await res.text()
      expect(res.status).toBe(401)
      expect(text).not.toContain(token.split('.')[1])
      const { detail } = JSON.parse(text) as { detail: string }
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="campaign-streams", error="invalid_token", error_description="${detail}"`,
      )
      return detail
    }
    expect(await refused({ sub: '30', exp: now - 10 })).toBe('it has expired (exp)')
    expect(await refused({ sub: '30', nbf: now + 600 })).toBe('it is not valid yet (nbf)')
    expect(await refused({ sub: '30' }, 'another-secret-of-length')).toBe(
      'its signature does not match (signed with another secret?)',
    )
    const garbage = await t.app.request(url, { headers: { authorization: 'Bearer nonsense' } })
    expect(await garbage.json()).toMatchObject({ detail: 'it is not a JWT' })
  })

  it('should stream a snapshot, then the positions that changed, with resumable ids', async () => {
    const controller = new AbortController()
    const res = await t.app.request(`/records/stream/${campaignId}`, { signal: controller.signal })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended before ${pattern}`)
        text += value
      }
    }
    await readUntil(/event: snapshot\n(?:[^\n]+\n)+\n/)
    expect(text).toContain('"userId":"40"')
    await buyAt('10', '10.00', '2026-06-01T13:00:00Z')
    await readUntil(/event: positions\n(?:[^\n]+\n)+\n/)
    const data = JSON.parse(/event: positions\ndata: ([^\n]+)\nid: \d+-\d+\n/.exec(text)![1]!) as {
      positions: { userId: string; position: number }[]
    }
    expect(data.positions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: '10', position: 1 }),
        expect.objectContaining({ userId: '40', position: 2 }),
      ]),
    )
    controller.abort()
    await reader.cancel().catch(() => undefined)
  })
})

describe('GET /records/stream keep-alive', () => {
  it('should send a comment line while the leaderboard is quiet', async () => {
    const quiet = testApp(s, undefined, { sseKeepAliveMs: 50 })
    const controller = new AbortController()
    try {
      const res = await quiet.app.request(`/records/stream/${campaignId}`, {
        signal: controller.signal,
      })
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
      let text = ''
      while ((text.match(/^: keep-alive\n\n/gm) ?? []).length < 2) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended after ${text}`)
        text += value
      }
      expect(text).toMatch(/^event: snapshot\n/)
      controller.abort()
      await reader.cancel().catch(() => undefined)
    } finally {
      quiet.close()
    }
  })
})

describe('GET /records/stream and the winner', () => {
  it('should send the winner once decided, and first to a client that connects after', async () => {
    const campaign = await purchaseCampaign(s, { itemId: '21' })
    const controller = new AbortController()
    const res = await t.app.request(`/records/stream/${campaign}`, { signal: controller.signal })
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    expect((await reader.read()).value).toMatch(/^event: snapshot\n/)
    // What the winner decision commits: the row, then the one prize transfer.
    await s.db
      .insertInto('campaign_winner')
      .values({
        campaign_id: campaign,
        user_id: '77',
        total_minor: '1250',
        decided_at: new Date('2026-11-23T00:00:05Z'),
        tie_break: 'none',
      })
      .execute()
    await s.redis.xadd(
      s.keys.prizeTransfers,
      '*',
      'campaignId',
      campaign,
      'userId',
      '77',
      'value',
      '100.00',
      'currency',
      'USD',
    )
    const winner = {
      campaignId: campaign,
      userId: '77',
      totalAmount: { value: '12.50', currency: 'USD' },
      decidedAt: '2026-11-23T00:00:05.000Z',
      tieBreak: 'none',
    }
    const { value } = await reader.read()
    expect(value).toBe(`event: winner\ndata: ${JSON.stringify(winner)}\n\n`)
    controller.abort()
    await reader.cancel().catch(() => undefined)

    const later = new AbortController()
    const again = await t.app.request(`/records/stream/${campaign}`, { signal: later.signal })
    const text = again.body!.pipeThrough(new TextDecoderStream()).getReader()
    let seen = ''
    while (!seen.includes('event: snapshot')) {
      const { value: more, done } = await text.read()
      if (done) throw new Error(`stream ended after ${seen}`)
      seen += more
    }
    expect(seen).toMatch(/^event: winner\ndata: [^\n]+\n\nevent: snapshot\n/)
    later.abort()
    await text.cancel().catch(() => undefined)
  })
})

describe('GET /records/stream resume', () => {
  it('should resume after Last-Event-ID with the positions instead of a snapshot', async () => {
    const controller = new AbortController()
    const res = await t.app.request(`/records/stream/${campaignId}`, {
      signal: controller.signal,
      headers: { 'last-event-id': '1-0' },
    })
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    const { value } = await reader.read()
    expect(value).toMatch(/^event: positions\n/)
    controller.abort()
    await reader.cancel().catch(() => undefined)
  })
})

describe('GET /records/stream on shutdown', () => {
  it('should end every live stream when the feed closes, also one opened after', async () => {
    const own = testApp(s)
    try {
      const res = await own.app.request(`/records/stream/${campaignId}`)
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
      expect((await reader.read()).value).toMatch(/^event: snapshot\n/)
      own.deps.feed.close()
      let done = false
      while (!done) done = (await reader.read()).done
      const late = await own.app.request(`/records/stream/${campaignId}`)
      expect(await late.text()).toBe('')
    } finally {
      own.close()
    }
  })
})

describe('GET /records/stream to a client that does not keep up', () => {
  it('should end the stream once the client is far behind, instead of queueing for it', async () => {
    // A feed that changes every millisecond, and a client that reads nothing for a while.
    let sent = 0
    let following = false
    const own = testApp(s, undefined, {
      feed: {
        follow: () => {
          following = true
          return interval(1).pipe(
            map((i) => {
              sent++
              return {
                event: 'positions' as const,
                id: `${i + 1}-0`,
                positions: [{ userId: String(i), position: 1, totalMinor: BigInt(i) }],
              }
            }),
            finalize(() => (following = false)),
          )
        },
        close: () => undefined,
      },
    })
    try {
      const res = await own.app.request(`/records/stream/${campaignId}`)
      await eventually(async () => sent > 0)
      // The server stops following the feed for this client without it reading anything.
      await eventually(async () => !following)
      const text = await res.text().catch(() => '') // ended, or cut off
      const events = text.match(/^event: positions$/gm) ?? []
      expect(events.length).toBeLessThanOrEqual(64)
      expect(sent).toBeLessThanOrEqual(66)
    } finally {
      own.close()
    }
  })
})

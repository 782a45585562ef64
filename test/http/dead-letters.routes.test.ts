import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, testApp } from '../support/app.js'
import { isolatedServices, type TestServices } from '../support/services.js'
import { toEntries } from '../../storage/redis/streams.js'

let s: TestServices
let t: ReturnType<typeof testApp>
beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
})
afterAll(async () => {
  t.close()
  await s.close()
})

describe('dead letters over HTTP', () => {
  it('should list dead letters to admins and replay them onto their stream', async () => {
    const dead = s.keys.dead(s.keys.purchaseEvents)
    await s.redis.xadd(
      dead,
      '*',
      'userId',
      'x',
      'itemId',
      '7',
      'error',
      'userId: must be digits',
      'actor',
      'purchase-qualify',
      'attempts',
      '1',
      'sourceId',
      '1-0',
    )
    await s.redis.xadd(
      dead,
      '*',
      'userId',
      '5',
      'itemId',
      '7',
      'error',
      'currency: no rate for GBP',
      'actor',
      'purchase-qualify',
      'attempts',
      '1',
      'sourceId',
      '2-0',
    )
    expect((await t.app.request('/dead-letters/purchase_events')).status).toBe(401)
    expect(
      (await t.app.request('/dead-letters/purchase_events', { headers: await bearer('2') })).status,
    ).toBe(403)
    const admin = await bearer('1', true)
    expect((await t.app.request('/dead-letters/nope', { headers: admin })).status).toBe(400)
    const list = (await (
      await t.app.request('/dead-letters/purchase_events?count=10', { headers: admin })
    ).json()) as {
      total: number
      deadLetters: { id: string; error: string; fields: Record<string, string> }[]
    }
    expect(list.total).toBe(2)
    expect(list.deadLetters[1]).toMatchObject({
      error: 'currency: no rate for GBP',
      sourceId: '2-0',
      attempts: 1,
      fields: { userId: '5', itemId: '7' },
    })

    const replay = await t.app.request('/dead-letters/purchase_events/replay', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [list.deadLetters[1]!.id] }),
    })
    expect(await replay.json()).toEqual({ replayed: 1 })
    expect(
      toEntries(await s.redis.xrange(s.keys.purchaseEvents, '-', '+')).map((e) => e.fields),
    ).toEqual([{ userId: '5', itemId: '7' }])
    expect(await s.redis.xlen(dead)).toBe(1)
  })

  it('should list, replay and discard the dead letters of every stream the actors read', async () => {
    const admin = { ...(await bearer('1', true)), 'content-type': 'application/json' }
    const dead = s.keys.dead(s.keys.outreachDue)
    const deadLetter = (taskId: string) =>
      s.redis.xadd(
        dead,
        '*',
        'taskId',
        taskId,
        'error',
        'taskId: must be digits',
        'actor',
        'executor',
        'attempts',
        '1',
        'sourceId',
        '9-0',
      )
    const [bad, good, other] = [
      await deadLetter('x'),
      await deadLetter('12'),
      await deadLetter('y'),
    ]
    const list = await t.app.request('/dead-letters/outreach:due', { headers: admin })
    expect(await list.json()).toMatchObject({
      stream: 'outreach:due',
      total: 3,
      deadLetters: [
        { id: bad, actor: 'executor', fields: { taskId: 'x' } },
        { id: good },
        { id: other },
      ],
    })

    const noIds = await t.app.request('/dead-letters/outreach:due/discard', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ ids: [] }),
    })
    expect(noIds.status).toBe(400)
    expect(noIds.headers.get('content-type')).toContain('application/problem+json')
    const discard = await t.app.request('/dead-letters/outreach:due/discard', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ ids: [bad, other] }),
    })
    expect(await discard.json()).toEqual({ discarded: 2 })
    const emptyJson = await t.app.request('/dead-letters/outreach:due/replay', {
      method: 'POST',
      headers: admin,
    })
    expect(emptyJson.status).toBe(400)
    expect(await emptyJson.json()).toMatchObject({ code: 'malformed_json' })
    const replay = await t.app.request('/dead-letters/outreach:due/replay', {
      method: 'POST',
      headers: await bearer('1', true),
    })
    expect(await replay.json()).toEqual({ replayed: 1 })
    expect(
      toEntries(await s.redis.xrange(s.keys.outreachDue, '-', '+')).map((e) => e.fields),
    ).toEqual([{ taskId: '12' }])
    expect(await s.redis.xlen(dead)).toBe(0)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trimStreams } from '../../../pipelines/runtime/stream-trimmer.js'
import { startWorkers } from '../../../pipelines/workers.js'
import { topTotals } from '../../../storage/postgres/scoring/purchase-total.repository.js'
import { ensureGroup, groupInfos, toEntries } from '../../../storage/redis/streams.js'
import { buy, purchaseCampaign, scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

let streams = 0
const freshStream = () => s.keys.stream(`trim-${++streams}`)

/** Writes `n` entries (ids `base + i*stepMs`-0 when `base` is given) and returns their ids. */
async function write(stream: string, n: number, base?: number, stepMs = 10): Promise<string[]> {
  const p = s.redis.pipeline()
  for (let i = 0; i < n; i++) {
    p.xadd(stream, base === undefined ? '*' : `${base + i * stepMs}-0`, 'n', String(i))
  }
  return ((await p.exec()) ?? []).map(([, id]) => id as string)
}

/** Reads `count` entries for `consumer` of `group` and acks the first `ack` of them. */
async function consume(stream: string, group: string, count: number, ack: number) {
  await ensureGroup(s.redis, stream, group)
  const reply = (await s.redis.xreadgroup(
    'GROUP',
    group,
    'c',
    'COUNT',
    count,
    'STREAMS',
    stream,
    '>',
  )) as [string, unknown][]
  const ids = toEntries(reply[0]?.[1]).map((e) => e.id)
  if (ack > 0) await s.redis.xack(stream, group, ...ids.slice(0, ack))
}

const ids = async (stream: string) =>
  toEntries(await s.redis.xrange(stream, '-', '+')).map((e) => e.id)

describe('trimStreams', () => {
  it('should delete only what every consumer group has acknowledged', async () => {
    const stream = freshStream()
    const written = await write(stream, 1000)
    await consume(stream, 'fast', 1000, 1000)
    await consume(stream, 'slow', 1000, 450) // entries 450… stay pending
    const trimmed = await trimStreams(s.redis, {
      consumed: [stream],
      published: [],
      retentionMs: 1,
    })
    const left = await ids(stream)
    expect(trimmed.get(stream)).toBe(1000 - left.length)
    expect(left.length).toBeLessThan(1000) // whole nodes of acknowledged entries went
    expect(left.slice(-550)).toEqual(written.slice(450)) // nothing pending went
    // The groups go on as before: the pending entries are still there to claim, lag is known.
    const pending = (await s.redis.xpending(stream, 'slow')) as [number, string]
    expect(pending).toEqual([550, written[450], written[999], [['c', '550']]])
    const lags = (await groupInfos(s.redis, stream)).map((g) => g.lag)
    expect(lags).toEqual([0, 0])
  })

  it('should trim the other streams when one fails, then report the failure', async () => {
    const broken = freshStream()
    await s.redis.set(broken, 'not a stream')
    const stream = freshStream()
    await write(stream, 500)
    await consume(stream, 'g', 500, 500)
    await expect(
      trimStreams(s.redis, { consumed: [broken, stream], published: [], retentionMs: 1 }),
    ).rejects.toThrow(AggregateError)
    expect((await ids(stream)).length).toBeLessThanOrEqual(100)
  })

  it('should leave a stream alone while no consumer group reads it', async () => {
    const stream = freshStream()
    await write(stream, 500)
    await trimStreams(s.redis, { consumed: [stream], published: [], retentionMs: 1 })
    expect((await ids(stream)).length).toBe(500)
  })

  it('should keep the retention of a published stream without groups, counted from the newest entry', async () => {
    const stream = freshStream()
    // 1,000 entries 10 ms apart: the newest is at 1,009,990 ms, so 1,004,990 is the cut.
    const written = await write(stream, 1000, 1_000_000)
    await trimStreams(s.redis, { consumed: [], published: [stream], retentionMs: 5000 })
    const left = await ids(stream)
    expect(left.slice(-501)).toEqual(written.slice(499))
    expect(left.length).toBeLessThanOrEqual(501 + 100)
  })

  it('should follow the groups of a published stream rather than its retention', async () => {
    const stream = freshStream()
    await write(stream, 1000, 1_000_000)
    await consume(stream, 'outside', 1000, 0)
    await trimStreams(s.redis, { consumed: [], published: [stream], retentionMs: 5000 })
    expect((await ids(stream)).length).toBe(1000)
  })
})

describe('workers', () => {
  it('should keep the scoring streams to what is in flight, with totals exact', async () => {
    const campaignId = await purchaseCampaign(s, {
      itemId: '9',
      prize: { value: '1.00', currency: 'USD' },
    })
    // 1,000 purchases of 1.00 by ten users.
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          buy(s, { userId: String(1 + ((i + k) % 10)), itemId: '9', amount: '1.00' }),
        ),
      )
    }
    const workers = await startWorkers({ ...scoringDeps(s), trimEveryMs: 100 }, [
      'purchase-qualify',
      'reduce-to-leaderboard',
    ])
    try {
      await eventually(async () => {
        const [raw, qualified] = await Promise.all([
          s.redis.xlen(s.keys.purchaseEvents),
          s.redis.xlen(s.keys.qualifiedPurchases),
        ])
        return raw <= 100 && qualified <= 100
      })
    } finally {
      await workers.stop()
    }
    const totals = await topTotals(s.db, campaignId, 10)
    expect(totals.map((t) => t.totalMinor)).toEqual(Array.from({ length: 10 }, () => 10_000n))
  })
})

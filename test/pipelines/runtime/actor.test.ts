import { concatMap, delay, map, of } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { startActor } from '../../../pipelines/runtime/actor.js'
import type {
  ActorDefinition,
  Decoded,
  Effect,
} from '../../../pipelines/runtime/actor-definition.js'
import {
  PoisonEntryError,
  StopRequestedError,
  TransientError,
} from '../../../pipelines/runtime/errors.js'
import { toEntries } from '../../../storage/redis/streams.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

const Item = z.object({ n: z.coerce.number().int() })
type Item = z.infer<typeof Item>
let streams = 0

/** An actor over a fresh stream that copies each item to `<stream>:out`. */
function copier(
  operate: ActorDefinition<Item>['operate'],
  options: ActorDefinition<Item>['options'] = {},
  hooks: Pick<ActorDefinition<Item>, 'close' | 'deadLettered'> = {},
) {
  const stream = s.keys.stream(`runtime-${++streams}`)
  const out = `${stream}:out`
  const definition: ActorDefinition<Item> = {
    name: `copier-${streams}`,
    stream,
    group: 'g',
    schema: Item,
    operate,
    options,
    ...hooks,
  }
  const deps = {
    redis: s.redis,
    db: s.db,
    keys: s.keys,
    logger: s.logger,
    metrics: s.metrics.actors,
  }
  const fast = { blockMs: 50, visibilityTimeoutMs: 500, reclaimEveryMs: 100, maxDeliveries: 2 }
  return {
    stream,
    out,
    start: () => startActor(definition, deps, fast),
    add: async (...ns: number[]) => {
      const p = s.redis.pipeline()
      for (const n of ns) p.xadd(stream, '*', 'n', String(n))
      await p.exec()
    },
    outputs: async () =>
      toEntries(await s.redis.xrange(out, '-', '+')).map((e) => Number(e.fields.n)),
    dead: async () =>
      toEntries(await s.redis.xrange(s.keys.dead(stream), '-', '+')).map((e) => e.fields),
    pending: async () => ((await s.redis.xpending(stream, 'g')) as [number])[0],
  }
}

const copyTo =
  (out: string) =>
  (batch: Decoded<Item>[]): Effect => ({
    commit: (tx) => {
      for (const e of batch) tx.xadd(out, '*', 'n', String(e.value.n))
    },
  })

describe('startActor', () => {
  it('should close what the actor holds once, after what was in flight is committed', async () => {
    let out = ''
    const seenAtClose: number[][] = []
    const c = copier(
      (batches) => batches.pipe(concatMap((b) => of(copyTo(out)(b)).pipe(delay(100)))),
      { batchSize: 5, concurrency: 1 },
      {
        close: async () => {
          seenAtClose.push(await c.outputs())
        },
      },
    )
    out = c.out
    await c.add(1, 2, 3)
    const actor = await c.start()
    await eventually(async () => (await c.pending()) > 0)
    await actor.stop()
    expect(seenAtClose).toEqual([[1, 2, 3]])
  })

  it('should finish and ack what is in flight on stop, and leave the rest for later', async () => {
    let out = ''
    const c = copier(
      (batches) => batches.pipe(concatMap((b) => of(copyTo(out)(b)).pipe(delay(200)))),
      { batchSize: 5, concurrency: 1, maxInFlight: 5 },
    )
    out = c.out
    await c.add(...Array.from({ length: 20 }, (_, i) => i))
    const actor = await c.start()
    await eventually(async () => (await c.pending()) > 0)
    await actor.stop()
    const done = await c.outputs()
    expect(done.length).toBeGreaterThan(0)
    expect(done.length).toBeLessThan(20)
    expect(await c.pending()).toBe(0)
    const again = await c.start()
    await eventually(async () => (await c.outputs()).length === 20)
    await again.stop()
    expect((await c.outputs()).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    )
  })

  it('should never hold more entries than maxInFlight', async () => {
    let out = ''
    const c = copier(
      (batches) => batches.pipe(concatMap((b) => of(copyTo(out)(b)).pipe(delay(30)))),
      { batchSize: 4, concurrency: 2, maxInFlight: 6 },
    )
    out = c.out
    await c.add(...Array.from({ length: 60 }, (_, i) => i))
    const actor = await c.start()
    let most = 0
    while ((await c.outputs()).length < 60) {
      most = Math.max(most, await c.pending())
      await new Promise((r) => setTimeout(r, 5))
    }
    await actor.stop()
    expect(most).toBeGreaterThan(0)
    expect(most).toBeLessThanOrEqual(6)
  })

  it('should count the entries of each batch it read', async () => {
    let out = ''
    const c = copier((batches) => batches.pipe(map(copyTo(out))), {
      batchSize: 4,
      concurrency: 1,
    })
    out = c.out
    await c.add(...Array.from({ length: 10 }, (_, i) => i))
    const actor = await c.start()
    await eventually(async () => (await c.outputs()).length === 10)
    await actor.stop()
    const { values } = await s.metrics.actors.batchEntries.get()
    const mine = values.filter((v) => v.labels.actor === `copier-${streams}`)
    const series = (name: string) => mine.find((v) => v.metricName === name)?.value
    expect(series('campaign_streams_batch_entries_sum')).toBe(10)
    expect(series('campaign_streams_batch_entries_count')).toBe(3)
    const upToFive = mine.find(
      (v) => v.metricName?.endsWith('_bucket') && (v.labels as { le?: number }).le === 5,
    )
    expect(upToFive?.value).toBe(3)
  })

  it('should read a burst that arrives while it waits as one batch, not its first entry alone', async () => {
    const batches: number[] = []
    let out = ''
    const c = copier(
      (stream) =>
        stream.pipe(
          map((batch) => {
            batches.push(batch.length)
            return copyTo(out)(batch)
          }),
        ),
      { batchSize: 100, concurrency: 1 },
    )
    out = c.out
    const actor = await c.start()
    await new Promise((r) => setTimeout(r, 20)) // blocked in XREADGROUP by now
    await c.add(...Array.from({ length: 10 }, (_, i) => i))
    await eventually(async () => (await c.outputs()).length === 10)
    await actor.stop()
    expect(batches).toEqual([10])
  })

  it('should make its group again and go on when its stream disappears (Redis restarted empty)', async () => {
    let out = ''
    const c = copier((batches) => batches.pipe(map(copyTo(out))))
    out = c.out
    await c.add(1)
    const actor = await c.start()
    await eventually(async () => (await c.outputs()).length === 1)
    await s.redis.del(c.stream) // the actor is blocked reading it right now
    await eventually(async () => (await s.redis.exists(c.stream)) === 1)
    await c.add(2, 3)
    await eventually(async () => (await c.outputs()).length === 3)
    await actor.stop()
    expect(await c.outputs()).toEqual([1, 2, 3])
  })

  it('should dead-letter only the entry that poisons a batch and commit the others', async () => {
    let out = ''
    const c = copier((batches) =>
      batches.pipe(
        map((b) => {
          if (b.some((e) => e.value.n === 13)) throw new PoisonEntryError('n: 13 is unlucky')
          return copyTo(out)(b)
        }),
      ),
    )
    out = c.out
    await c.add(11, 12, 13, 14)
    await s.redis.xadd(c.stream, '*', 'n', 'twelve')
    const actor = await c.start()
    await eventually(async () => (await c.dead()).length === 2)
    await actor.stop()
    expect((await c.outputs()).sort()).toEqual([11, 12, 14])
    const dead = await c.dead()
    expect(dead).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ n: '13', error: 'n: 13 is unlucky', attempts: '1' }),
        expect.objectContaining({ n: 'twelve', error: expect.stringMatching(/^n: /) as string }),
      ]),
    )
    expect(await c.pending()).toBe(0)
    // Postgres keeps each one too, with its source id, original fields and reason.
    const kept = await s.db
      .selectFrom('dead_letter')
      .select(['stream', 'source_id', 'fields', 'error', 'actor', 'attempts'])
      .where('stream', '=', c.stream)
      .orderBy('seq')
      .execute()
    expect(kept.map((k) => k.source_id).sort()).toEqual(dead.map((d) => d.sourceId).sort())
    expect(kept.find((k) => k.fields[1] === '13')).toMatchObject({
      fields: ['n', '13'],
      error: 'n: 13 is unlucky',
      attempts: 1,
    })
  })

  it('should retry a transient failure and then succeed', async () => {
    let out = ''
    let failures = 0
    const c = copier((batches) =>
      batches.pipe(
        map((b) => {
          if (failures++ < 2) throw new TransientError('database restarting')
          return copyTo(out)(b)
        }),
      ),
    )
    out = c.out
    await c.add(1, 2, 3)
    const actor = await c.start()
    await eventually(async () => (await c.outputs()).length === 3)
    await actor.stop()
    expect(await c.dead()).toEqual([])
  })

  it('should hold a batch while Postgres is unreachable, without redeliveries or dead letters', async () => {
    let out = ''
    const deliveries: number[] = []
    let downUntil = Infinity
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    })
    const c = copier((batches) =>
      batches.pipe(
        map((batch) => {
          deliveries.push(...batch.map((e) => e.deliveries))
          if (performance.now() < downUntil) throw refused
          return copyTo(out)(batch)
        }),
      ),
    )
    out = c.out
    await c.add(1, 2)
    const actor = await c.start()
    // Down for longer than maxDeliveries (2) visibility timeouts (500 ms) of the fast set-up.
    await eventually(async () => deliveries.length > 0)
    downUntil = performance.now() + 1800
    await eventually(async () => (await c.outputs()).length === 2, 15_000)
    await actor.stop()
    expect(await c.dead()).toEqual([])
    expect(new Set(deliveries)).toEqual(new Set([1])) // never reclaimed, never split
    expect(deliveries.length).toBeGreaterThan(4)
  })

  it('should leave a batch that waits for Postgres pending when the actor stops', async () => {
    const refused = Object.assign(new Error('Connection terminated unexpectedly'), {})
    const c = copier((batches) =>
      batches.pipe(
        map((): Effect => {
          throw refused
        }),
      ),
    )
    await c.add(5)
    const actor = await c.start()
    await eventually(async () => (await c.pending()) === 1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const started = performance.now()
    await actor.stop()
    expect(performance.now() - started).toBeLessThan(2000)
    expect(await c.pending()).toBe(1)
    expect(await c.dead()).toEqual([])
  })

  it('should dead-letter an entry that keeps failing after maxDeliveries, with the last error', async () => {
    const c = copier((batches) =>
      batches.pipe(
        map((): Effect => {
          throw new TransientError('flow service down')
        }),
      ),
    )
    await c.add(7)
    const actor = await c.start()
    const dead = await eventually(async () => {
      const d = await c.dead()
      return d.length === 1 ? d : undefined
    })
    await actor.stop()
    expect(dead[0]).toMatchObject({
      n: '7',
      attempts: '3',
      error: 'gave up after 3 deliveries: flow service down',
    })
  })

  it('should tell the definition which decoded entries it gives up on, and keep them pending while that fails', async () => {
    const told: { value: Item; error: string }[][] = []
    let refuse = true
    const c = copier(
      (batches) =>
        batches.pipe(
          map((): Effect => {
            throw new TransientError('file gone')
          }),
        ),
      {},
      {
        deadLettered: (entries) => {
          told.push(entries)
          return refuse ? Promise.reject(new Error('postgres down')) : Promise.resolve()
        },
      },
    )
    await c.add(8)
    await s.redis.xadd(c.stream, '*', 'n', 'not a number')
    const actor = await c.start()
    await eventually(async () => (await c.dead()).length === 1) // the undecodable one
    await eventually(async () => told.length >= 2)
    expect(await c.dead()).toHaveLength(1) // the hook failed: entry 8 is still pending
    expect(await c.pending()).toBe(1)
    refuse = false
    await eventually(async () => (await c.dead()).length === 2)
    await actor.stop()
    expect(told.flat().map((t) => t.value.n)).toEqual(told.map(() => 8))
    // The failed commits of its dead letter did not replace the error that made it fail.
    expect((await c.dead())[1]).toMatchObject({
      n: '8',
      error: expect.stringMatching(/: file gone$/) as unknown,
    })
    expect(told.at(-1)).toEqual([
      {
        value: { n: 8 },
        error: expect.stringMatching(/^gave up after \d deliveries: file gone$/) as unknown,
      },
    ])
  })

  it('should put entries back on the stream for another consumer when the operator hands over', async () => {
    let out = ''
    let handOver = true
    const c = copier((batches) =>
      batches.pipe(
        map((batch): Effect => {
          if (handOver) {
            handOver = false
            throw new StopRequestedError('stopping')
          }
          return copyTo(out)(batch)
        }),
      ),
    )
    out = c.out
    await c.add(9)
    const actor = await c.start()
    await eventually(async () => (await c.outputs()).length === 1)
    await actor.stop()
    expect(await c.outputs()).toEqual([9])
    expect(await c.dead()).toEqual([])
    expect(await c.pending()).toBe(0)
    // The original entry, acked, and its copy at the end of the stream, taken by a consumer.
    expect(toEntries(await s.redis.xrange(c.stream, '-', '+')).map((e) => e.fields)).toEqual([
      { n: '9' },
      { n: '9' },
    ])
  })

  it('should keep an entry it is still working on from being reclaimed, by itself or by another consumer', async () => {
    // Each batch takes three visibility timeouts (500 ms); two consumers read with room to spare.
    let out = ''
    let runs = 0
    const c = copier(
      (batches) =>
        batches.pipe(
          concatMap(async (b) => {
            runs += b.length
            await new Promise((r) => setTimeout(r, 1500))
            return copyTo(out)(b)
          }),
        ),
      { batchSize: 1, concurrency: 2 },
    )
    out = c.out
    await c.add(1, 2)
    const [one, two] = [await c.start(), await c.start()]
    await eventually(async () => (await c.outputs()).length === 2, 10_000)
    await new Promise((r) => setTimeout(r, 300))
    await Promise.all([one.stop(), two.stop()])
    expect(runs).toBe(2)
    expect((await c.outputs()).sort()).toEqual([1, 2])
    expect(await c.dead()).toEqual([])
    expect(await c.pending()).toBe(0)
  })

  it('should let another consumer reclaim what a stalled consumer holds', async () => {
    // A consumer that read an entry and stopped answering (no heartbeat): reclaimed as before.
    let out = ''
    const c = copier((batches) => batches.pipe(map((b) => copyTo(out)(b))))
    out = c.out
    await c.add(5)
    await s.redis.xgroup('CREATE', c.stream, 'g', '0', 'MKSTREAM')
    await s.redis.xreadgroup('GROUP', 'g', 'stalled', 'COUNT', 1, 'STREAMS', c.stream, '>')
    const actor = await c.start()
    await eventually(async () => (await c.outputs()).length === 1, 10_000)
    await actor.stop()
    expect(await c.outputs()).toEqual([5])
  })
})

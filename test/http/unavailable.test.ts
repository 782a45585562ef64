import { readdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpsApp } from '../../http/app.js'
import { createMetrics } from '../../pipelines/runtime/metrics.js'
import { registerStreamGauges } from '../../pipelines/runtime/stream-gauges.js'
import { createDb } from '../../storage/postgres/database.js'
import { createRequestRedis } from '../../storage/redis/connection.js'
import { bearer, testApp } from '../support/app.js'
import { createOutreach, uploadCsv } from '../support/outreach.js'
import { manualClock } from '../support/scoring.js'
import { isolatedServices, type TestServices } from '../support/services.js'

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

let s: TestServices
let deadRedis: Redis
const clock = manualClock(Date.parse('2026-11-22T10:00:00+05:30'))
beforeAll(async () => {
  s = await isolatedServices()
  deadRedis = createRequestRedis(`redis://127.0.0.1:${await closedPort()}`)
  deadRedis.on('error', () => undefined)
})
afterAll(async () => {
  deadRedis.disconnect()
  await s.close()
})

const expectUnavailable = async (res: Response, service: string) => {
  expect(res.status).toBe(503)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  expect(res.headers.get('retry-after')).toBe('5')
  expect(await res.json()).toMatchObject({
    code: 'service_unavailable',
    title: `${service} is unavailable; try again shortly`,
  })
}

describe('while Redis or Postgres is unreachable', () => {
  it('should answer 503 at once when Redis is down, and leave no upload behind', async () => {
    const admin = await bearer('1', true)
    const up = testApp(s, clock)
    const campaignId = await createOutreach(up.app, admin)
    up.close()
    const down = testApp(s, clock, { redis: deadRedis })
    try {
      await expectUnavailable(
        await down.app.request('/dead-letters/purchase_events', { headers: admin }),
        'Redis',
      )
      const upload = await uploadCsv(
        down.app,
        admin,
        `/campaigns/${campaignId}/uploads`,
        'phone\n9000001\n',
      )
      await expectUnavailable(upload, 'Redis')
      expect(await s.db.selectFrom('upload_request').select('id').execute()).toEqual([])
      const files = await readdir(join(s.filesDir, 'uploads', campaignId)).catch(() => [])
      expect(files).toEqual([])
    } finally {
      down.close()
    }
  })

  it('should answer 503 when Postgres is down', async () => {
    const db = createDb(`postgres://postgres@127.0.0.1:${await closedPort()}/nowhere`)
    const down = testApp(s, clock, { db })
    try {
      await expectUnavailable(await down.app.request('/campaigns/1'), 'Postgres')
    } finally {
      down.close()
      await db.destroy()
    }
  })

  it('should still serve /metrics without the stream series, with redis_up 0', async () => {
    const metrics = createMetrics()
    registerStreamGauges(metrics, deadRedis, s.keys, clock)
    const text = await (
      await createOpsApp({ ...s, redis: deadRedis, metrics }).request('/metrics')
    ).text()
    expect(text).toContain('campaign_streams_redis_up 0')
    expect(text).toContain('campaign_streams_messages_processed_total')
    expect(text).not.toContain('campaign_streams_stream_length_entries{')
  })
})

describe('the app of a work process', () => {
  it('should serve health, readiness and metrics, and nothing else', async () => {
    const metrics = createMetrics()
    registerStreamGauges(metrics, s.redis, s.keys, clock)
    const app = createOpsApp({ ...s, metrics })
    expect((await app.request('/readyz')).status).toBe(200)
    expect(await (await app.request('/metrics')).text()).toContain('campaign_streams_redis_up 1')
    const other = await app.request('/campaigns/1')
    expect(other.status).toBe(404)
    expect(await other.json()).toMatchObject({ code: 'not_found' })
  })
})

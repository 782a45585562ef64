import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerStreamGauges } from '../../pipelines/runtime/metrics.js'
import { ensureGroup } from '../../storage/redis/streams.js'
import { testApp } from '../support/app.js'
import { eventually, isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
const now = { now: () => Date.now() }

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  registerStreamGauges(s.metrics, s.redis, s.keys, now)
})
afterAll(async () => {
  t.close()
  await s.close()
})

const metrics = async () => (await t.app.request('/metrics')).text()

describe('health and metrics', () => {
  it('should answer /healthz and /readyz', async () => {
    expect(await (await t.app.request('/healthz')).json()).toEqual({ status: 'ok' })
    expect(await (await t.app.request('/readyz')).json()).toEqual({
      status: 'ok',
      checks: { redis: 'ok', postgres: 'ok' },
    })
  })

  it('should report length, lag in entries and seconds, and pending per stream and group', async () => {
    const stream = s.keys.purchaseEvents
    await ensureGroup(s.redis, stream, 'purchase-qualify')
    const old = Date.now() - 5000
    await s.redis.xadd(stream, `${old}-0`, 'a', '1')
    await s.redis.xadd(stream, '*', 'a', '2')
    await s.redis.xadd(stream, '*', 'a', '3')
    await s.redis.xreadgroup('GROUP', 'purchase-qualify', 'c1', 'COUNT', 1, 'STREAMS', stream, '>')
    const text = await metrics()
    const labels = '{stream="purchase_events",group="purchase-qualify"}'
    expect(text).toContain('campaign_streams_stream_length_entries{stream="purchase_events"} 3')
    expect(text).toContain(`campaign_streams_stream_lag_entries${labels} 2`)
    expect(text).toContain(`campaign_streams_stream_pending_entries${labels} 1`)
    const lagSeconds = Number(
      new RegExp(
        `campaign_streams_stream_lag_seconds${labels.replace(/[{}]/g, '\\$&')} ([\\d.]+)`,
      ).exec(text)?.[1],
    )
    expect(lagSeconds).toBeGreaterThanOrEqual(5)
    expect(lagSeconds).toBeLessThan(60)
  })

  it('should report the outreach and published streams too', async () => {
    await ensureGroup(s.redis, s.keys.outreachDue, 'executor')
    await s.redis.xadd(s.keys.outreachDue, '*', 'taskId', '1')
    await s.redis.xadd(s.keys.prizeTransfers, '*', 'campaignId', '1')
    // A scrape reuses the Redis reading of one less than 250 ms before.
    const text = await eventually(async () => {
      const scraped = await metrics()
      return scraped.includes('group="executor"') ? scraped : undefined
    })
    expect(text).toContain(
      'campaign_streams_stream_lag_entries{stream="outreach:due",group="executor"} 1',
    )
    expect(text).toContain('campaign_streams_stream_length_entries{stream="prize_transfers"} 1')
    expect(text).toContain('campaign_streams_stream_length_entries{stream="outreach:due:dead"} 0')
    expect(text).not.toContain('stream="prize_transfers:dead"')
  })

  it('should export every series the Grafana dashboard draws and the alerting rules watch', async () => {
    const monitoring = ['grafana-dashboard.json', 'alerts.yml']
      .map((file) => readFileSync(new URL(`../../monitoring/${file}`, import.meta.url), 'utf8'))
      .join('\n')
    const used = new Set(
      [...monitoring.matchAll(/campaign_streams_[a-z_]+/g)].map((m) =>
        m[0].replace(/_(bucket|sum|count)$/, ''),
      ),
    )
    expect(used.size).toBeGreaterThan(10)
    const text = await metrics()
    const exported = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]))
    expect([...used].filter((name) => !exported.has(name))).toEqual([])
  })

  it('should count and time requests by method, route pattern and status, never the raw path', async () => {
    await t.app.request('/campaigns/41')
    await t.app.request('/campaigns/42')
    await t.app.request('/no/such/route')
    await t.app.request('/campaigns', { method: 'POST' })
    await t.app.request('/campaigns/active?type=purchase')
    const text = await metrics()
    expect(text).toContain(
      'campaign_streams_http_requests_total{method="GET",route="/campaigns/active",status="200"} 1',
    )
    expect(text).toContain(
      'campaign_streams_http_requests_total{method="GET",route="/campaigns/:id",status="404"} 2',
    )
    expect(text).toContain(
      'campaign_streams_http_requests_total{method="GET",route="unmatched",status="404"} 1',
    )
    expect(text).toContain(
      'campaign_streams_http_requests_total{method="POST",route="/campaigns",status="401"} 1',
    )
    expect(text).toContain(
      'campaign_streams_http_request_duration_seconds_count{method="GET",route="/campaigns/:id"} 2',
    )
    expect(text).not.toContain('/campaigns/41')
  })
})

import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerOutreachGauges } from '../../pipelines/outreach/metrics.js'
import { registerFactoryGauges } from '../../pipelines/factory/metrics.js'
import { registerReportGauges } from '../../pipelines/reports/metrics.js'
import { registerStreamGauges } from '../../pipelines/runtime/stream-gauges.js'
import { insertCampaign, setCampaignPaused } from '../../storage/postgres/campaign.repository.js'
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
  registerOutreachGauges(s.metrics, s.db, now)
  registerFactoryGauges(s.metrics, s.db, now)
  registerReportGauges(s.metrics, s.db, now, 120)
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

  it('should report how many running outreach campaigns are paused, and the oldest pause', async () => {
    const series = (text: string, name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
    expect(series(await metrics(), 'campaign_streams_outreach_paused_campaigns')).toBe(0)
    expect(series(await metrics(), 'campaign_streams_outreach_pause_age_seconds')).toBe(0)
    const campaign = async (endMs: number, status: 'Running' | 'Cancelled' = 'Running') =>
      (
        await insertCampaign(s.db, {
          type: 'outreach',
          item_id: null,
          prize_minor: null,
          prize_currency: null,
          start_at: new Date(Date.now() - 86_400_000),
          end_at: new Date(endMs),
          status,
          created_by: '1',
          started_at: null,
          ended_at: null,
          settings: '{}',
        })
      ).id
    const hour = 3_600_000
    const running = await campaign(Date.now() + hour)
    const later = await campaign(Date.now() + hour)
    const over = await campaign(Date.now() - 1000)
    const revoked = await campaign(Date.now() + hour, 'Cancelled')
    await setCampaignPaused(s.db, running, { at: new Date(Date.now() - 600_000), by: '1' })
    await setCampaignPaused(s.db, later, { at: new Date(Date.now() - 60_000), by: '1' })
    await setCampaignPaused(s.db, over, { at: new Date(Date.now() - hour), by: '1' })
    // A revoked campaign cannot be paused any more; mark it as if paused before its revoke.
    await s.db
      .updateTable('campaign')
      .set({ paused_at: new Date(Date.now() - hour) })
      .where('id', '=', revoked)
      .execute()
    await new Promise((r) => setTimeout(r, 300)) // past the scrape's shared read
    const text = await metrics()
    expect(series(text, 'campaign_streams_outreach_paused_campaigns')).toBe(2)
    expect(series(text, 'campaign_streams_outreach_pause_age_seconds')).toBeGreaterThanOrEqual(600)
    expect(series(text, 'campaign_streams_outreach_pause_age_seconds')).toBeLessThan(700)
  })

  it('should count factory jobs by status, and those running without progress as stalled', async () => {
    const campaign = await insertCampaign(s.db, {
      type: 'project',
      start_at: new Date(),
      end_at: new Date('9999-12-31T00:00:00Z'),
      created_by: '1',
      settings: JSON.stringify({ name: 'p', hierarchyType: 'H', boundaries: ['KA'] }),
    })
    const file = randomUUID()
    await s.db
      .insertInto('stored_file')
      .values({
        id: file,
        file_key: `files/${file}`,
        name: 'a.csv',
        content_type: 'text/csv',
        bytes: '1',
        sha256: 'x',
        created_by: '1',
      })
      .execute()
    const job = (status: 'creating' | 'completed', minutesAgo: number) => ({
      id: randomUUID(),
      type: 'user',
      schema_version: 1,
      campaign_id: campaign.id,
      hierarchy_type: 'H',
      file_id: file,
      action: status === 'creating' ? ('create' as const) : ('validate' as const),
      status,
      created_by: '1',
      updated_at: new Date(Date.now() - minutesAgo * 60_000),
      error: null,
      processed_file_id: null,
      idempotency_key: null,
      completed_at: null,
    })
    await s.db
      .insertInto('factory_job')
      .values([job('creating', 11), job('completed', 30), job('completed', 0)])
      .execute()
    await new Promise((r) => setTimeout(r, 300)) // past the scrape's shared read
    const text = await metrics()
    expect(text).toContain('campaign_streams_factory_jobs{status="completed"} 2')
    expect(text).toContain('campaign_streams_factory_jobs{status="creating"} 1')
    expect(text).toMatch(/^campaign_streams_factory_jobs_stalled 1$/m)
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

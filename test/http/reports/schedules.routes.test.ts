import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { manualClock } from '../../support/scoring.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let owner: Record<string, string>
let templateId: string
// The day before New York moves its clocks forward (2026-03-08).
const clock = manualClock(Date.parse('2026-03-07T12:00:00Z'))

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s, clock)
  owner = await bearer('7')
  const res = await t.app.request(
    '/reports/templates',
    jsonBody(
      'POST',
      { name: 'Totals', dataset: 'purchase_totals', columns: [{ column: 'user_id' }] },
      owner,
    ),
  )
  templateId = ((await res.json()) as { id: string }).id
})
afterAll(async () => {
  t.close()
  await s.close()
})

const schedule = (body: Record<string, unknown>, headers = owner) =>
  t.app.request('/reports/schedules', jsonBody('POST', { templateId, ...body }, headers))

describe('report schedules', () => {
  it('should show the next five runs in local time and UTC across a DST change', async () => {
    const res = await schedule({ frequency: 'daily', time: '02:30', timezone: 'America/New_York' })
    expect(res.status).toBe(201)
    const { id, nextRunAt } = (await res.json()) as { id: string; nextRunAt: string }
    expect(nextRunAt).toBe('2026-03-08T07:00:00.000Z')
    const shown = (await (
      await t.app.request(`/reports/schedules/${id}`, { headers: owner })
    ).json()) as {
      nextRuns: { local: string; utc: string }[]
    }
    expect(shown.nextRuns.slice(0, 3)).toEqual([
      { local: '2026-03-08T03:00:00.000-04:00', utc: '2026-03-08T07:00:00.000Z' },
      { local: '2026-03-09T02:30:00.000-04:00', utc: '2026-03-09T06:30:00.000Z' },
      { local: '2026-03-10T02:30:00.000-04:00', utc: '2026-03-10T06:30:00.000Z' },
    ])
    expect(shown.nextRuns).toHaveLength(5)
  })

  it('should pause, resume from now, and delete, for its owner only', async () => {
    const { id } = (await (
      await schedule({ frequency: 'monthly', dayOfMonth: 'last', time: '23:00', timezone: 'UTC' })
    ).json()) as { id: string }
    expect(
      (await t.app.request(`/reports/schedules/${id}`, { headers: await bearer('8') })).status,
    ).toBe(404)
    const paused = await t.app.request(`/reports/schedules/${id}/pause`, {
      method: 'POST',
      headers: owner,
    })
    expect(await paused.json()).toMatchObject({ paused: true, nextRunAt: null, nextRuns: [] })
    const resumed = await t.app.request(`/reports/schedules/${id}/resume`, {
      method: 'POST',
      headers: owner,
    })
    expect(await resumed.json()).toMatchObject({
      paused: false,
      nextRunAt: '2026-03-31T23:00:00.000Z',
    })
    const list = (await (
      await t.app.request(`/reports/schedules?templateId=${templateId}`, { headers: owner })
    ).json()) as { schedules: unknown[] }
    expect(list.schedules.length).toBeGreaterThanOrEqual(2)
    expect(
      (await t.app.request(`/reports/schedules/${id}`, { method: 'DELETE', headers: owner }))
        .status,
    ).toBe(204)
    expect((await t.app.request(`/reports/schedules/${id}`, { headers: owner })).status).toBe(404)
  })

  it('should refuse a bad zone, a cron that never fires, one too frequent, and another user’s template', async () => {
    const problem = async (body: Record<string, unknown>, headers = owner) => {
      const res = await schedule(body, headers)
      return {
        status: res.status,
        body: (await res.json()) as { code: string; errors?: { field: string; message: string }[] },
      }
    }
    expect(
      (await problem({ frequency: 'daily', time: '07:00', timezone: 'Mars/Olympus' })).body
        .errors?.[0]?.field,
    ).toBe('timezone')
    expect(
      (await problem({ frequency: 'daily', time: '25:00', timezone: 'UTC' })).body.errors?.[0]
        ?.field,
    ).toBe('time')
    expect(
      (await problem({ frequency: 'cron', cron: '0 0 30 2 *', timezone: 'UTC' })).body.errors?.[0],
    ).toMatchObject({
      field: 'cron',
      message: expect.stringMatching(/^is not a valid cron expression/) as unknown,
    })
    expect(
      (await problem({ frequency: 'cron', cron: '*/15 * * * *', timezone: 'UTC' })).body.errors,
    ).toEqual([
      {
        field: 'cron',
        message: 'runs more often than every 60 minutes (REPORT_MIN_INTERVAL_MINUTES)',
      },
    ])
    expect(
      (await problem({ frequency: 'daily', time: '07:00', timezone: 'UTC' }, await bearer('8')))
        .status,
    ).toBe(404)
  })
})

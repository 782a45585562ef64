import { DateTime } from 'luxon'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers } from '../../../pipelines/workers.js'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { flowServer } from '../../support/flow-server.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'
import { kill, killAll, workerChild } from '../../support/worker-child.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let admin: Record<string, string>

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s, undefined, { maxUploadBytes: 10 * 1024 * 1024 })
  admin = await bearer('1', true)
})
afterAll(async () => {
  await killAll()
  t.close()
  await s.close()
})

/** A zone where it is about noon now, so that a 10:00–14:00 slot is running in real time. */
function noonZone() {
  const offset = 12 - new Date().getUTCHours()
  const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`
  return { zone, today: DateTime.now().setZone(zone).toISODate() ?? '' }
}

async function campaign(url: string, rate: number) {
  const { zone, today } = noonZone()
  const res = await t.app.request(
    '/campaigns',
    jsonBody(
      'POST',
      {
        type: 'outreach',
        name: 'crash',
        timezone: zone,
        workingHours: { start: '08:00', end: '16:00' },
        slots: [
          { start: '09:00', end: '14:59' },
          { start: '15:00', end: '15:59' },
        ],
        startDate: today,
        days: 2,
        flow: { url, timeoutMs: 2000 },
        ratePerSecond: rate,
      },
      admin,
    ),
  )
  return ((await res.json()) as { campaignId: string }).campaignId
}

const count = async (table: 'outreach_record' | 'flow_task', campaignId: string) =>
  Number(
    (
      await s.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('campaign_id', '=', campaignId)
        .executeTakeFirstOrThrow()
    ).n,
  )

describe('outreach crash safety', () => {
  it('should create every record and task exactly once when a worker dies while splitting an upload', async () => {
    const id = await campaign('http://127.0.0.1:9/flow', 1)
    const rows = 30_000
    const body = `phone,n\n${Array.from({ length: rows }, (_, i) => `${9_000_000 + i},${i}`).join('\n')}\n`
    const child = await workerChild(s, ['upload-split'])
    const res = await t.app.request(`/campaigns/${id}/uploads`, {
      method: 'POST',
      body,
      headers: { ...admin, 'content-type': 'text/csv' },
    })
    const { requestId } = (await res.json()) as { requestId: string }
    await eventually(async () => (await count('outreach_record', id)) > 0)
    await kill(child)
    expect(await count('outreach_record', id)).toBeLessThan(rows)

    const workers = await startWorkers(scoringDeps(s), ['upload-split'])
    try {
      const status = await eventually(async () => {
        const b = (await (
          await t.app.request(`/campaigns/${id}/uploads/${requestId}`, { headers: admin })
        ).json()) as {
          status: string
        }
        return b.status === 'completed' ? b : undefined
      }, 30_000)
      expect(status).toMatchObject({
        rows: { total: rows, accepted: rows, invalid: 0, duplicate: 0, negative: 0 },
      })
      expect(await count('outreach_record', id)).toBe(rows)
      // Both slots are still open today.
      expect(await count('flow_task', id)).toBe(rows * 2)
    } finally {
      await workers.stop()
    }
  })

  it('should call no task twice and lose none when an executor dies during a slot', async () => {
    const flow = await flowServer(() => ({ status: 200, delayMs: 20 }))
    try {
      const id = await campaign(flow.url, 200)
      const body = `phone\n${Array.from({ length: 400 }, (_, i) => `${8_000_000 + i}`).join('\n')}\n`
      const uploads = await startWorkers(scoringDeps(s), ['upload-split'])
      await t.app.request(`/campaigns/${id}/uploads`, {
        method: 'POST',
        body,
        headers: { ...admin, 'content-type': 'text/csv' },
      })
      await eventually(async () => (await count('flow_task', id)) === 800)
      await uploads.stop()

      const child = await workerChild(s, ['timers', 'outreach-work', 'executor'])
      await eventually(async () => flow.calls.length >= 100)
      await kill(child)
      const atKill = flow.calls.length
      expect(atKill).toBeLessThan(400)

      const workers = await startWorkers(scoringDeps(s), ['timers', 'outreach-work', 'executor'])
      try {
        const slot1 = async () =>
          s.db
            .selectFrom('flow_task')
            .select(['id', 'status', 'attempts'])
            .where('campaign_id', '=', id)
            .where('slot', '=', 1)
            .execute()
        // Done: every slot-1 task completed, or interrupted (its call began in the killed process).
        const tasks = await eventually(async () => {
          const list = await slot1()
          return list.every((x) => x.status === 'COMPLETED' || x.attempts > 0) &&
            list.filter((x) => x.status === 'COMPLETED').length >= 400 - 300
            ? list
            : undefined
        }, 30_000)
        await eventually(async () =>
          (await slot1()).filter((x) => x.status !== 'COMPLETED').every((x) => x.attempts === 1),
        )
        const calls = new Map<string, number>()
        for (const c of flow.calls) calls.set(c.taskId, (calls.get(c.taskId) ?? 0) + 1)
        expect([...calls].filter(([, n]) => n > 1)).toEqual([])
        expect(tasks).toHaveLength(400)
        // Each task is completed or has the open attempt the killed executor left, never both
        // (read in one statement: calls still finishing move a task from one to the other).
        const split = await sql<{ completed: string; open: string; both: string }>`
          SELECT count(*) FILTER (WHERE t.status = 'COMPLETED') AS completed,
            count(*) FILTER (WHERE o.open) AS open,
            count(*) FILTER (WHERE t.status = 'COMPLETED' AND o.open) AS both
          FROM flow_task t, LATERAL (SELECT EXISTS (SELECT 1 FROM task_attempt a
            WHERE a.task_id = t.id AND a.ended_at IS NULL) AS open) o
          WHERE t.campaign_id = ${id} AND t.slot = 1`.execute(s.db)
        const row = split.rows[0]
        expect(Number(row?.both)).toBe(0)
        expect(Number(row?.completed) + Number(row?.open)).toBe(400)
      } finally {
        await workers.stop()
      }
    } finally {
      await flow.close()
    }
  })
})

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rebuild } from '../../../pipelines/rebuild.js'
import { startWorkers } from '../../../pipelines/workers.js'
import { deleteKeys } from '../../../storage/redis/streams.js'
import { bearer, testApp } from '../../support/app.js'
import { flowServer } from '../../support/flow-server.js'
import { createOutreach, uploadCsv } from '../../support/outreach.js'
import { manualClock, scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let flow: Awaited<ReturnType<typeof flowServer>>
const kolkata = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+05:30`)
const clock = manualClock(kolkata('2026-11-20', '09:00'))

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s, clock)
  flow = await flowServer()
})
afterAll(async () => {
  await flow.close()
  t.close()
  await s.close()
})

describe('rebuild of outreach campaigns', () => {
  it('should end past slots whose end was lost and release retriggers that were never released', async () => {
    const admin = await bearer('1', true)
    const id = await createOutreach(t.app, admin, {
      startDate: '2026-11-20',
      days: 3,
      slots: [{ start: '10:00', end: '12:00' }],
      flow: { url: flow.url, timeoutMs: 2000 },
    })
    const splitter = await startWorkers(scoringDeps(s, clock), ['upload-split'])
    await uploadCsv(t.app, admin, `/campaigns/${id}/uploads`, 'phone\n3000001\n3000002\n3000003\n')
    const tasks = await eventually(async () => {
      const rows = await s.db
        .selectFrom('flow_task')
        .select(['id', 'phone'])
        .where('campaign_id', '=', id)
        .orderBy('phone')
        .execute()
      return rows.length === 3 ? rows : undefined
    })
    await splitter.stop()
    const [retriggered, missed, done] = tasks.map((task) => task.id)
    // 2026-11-20 after the slot: one task the slot never reached was retriggered (attempts 0,
    // so only its being retriggered keeps the slot's end from failing it again); one was never
    // reached either, and then Redis lost everything before the slot's end and the release ran.
    const at = new Date(kolkata('2026-11-20', '12:30'))
    await s.db
      .updateTable('flow_task')
      .set({ status: 'IN_PROGRESS', retriggered: true, updated_at: at })
      .where('id', '=', retriggered ?? '')
      .execute()
    await s.db
      .updateTable('flow_task')
      .set({ status: 'COMPLETED', attempts: 1, updated_at: at })
      .where('id', '=', done ?? '')
      .execute()
    await deleteKeys(s.redis, s.namespace)
    clock.set(kolkata('2026-11-21', '13:00'))

    const report = await rebuild(scoringDeps(s, clock))
    expect(report).toMatchObject({ campaigns: 1, pastSlotEnds: 1, retriggerReleases: 1 })
    const workers = await startWorkers(scoringDeps(s, clock), [
      'timers',
      'outreach-work',
      'executor',
    ])
    try {
      const status = async (taskId: string | undefined) =>
        await s.db
          .selectFrom('flow_task')
          .select(['status', 'reason'])
          .where('id', '=', taskId ?? '')
          .executeTakeFirstOrThrow()
      await eventually(async () => (await status(missed)).status === 'FAILED')
      expect(await status(missed)).toEqual({ status: 'FAILED', reason: 'OUT_OF_SLOT_TIME' })
      await eventually(async () => (await status(retriggered)).status === 'COMPLETED')
      expect(flow.calls.map((c) => [c.phone, c.retriggered])).toEqual([['3000001', true]])
      expect(await status(done)).toMatchObject({ status: 'COMPLETED' })
      // The counters follow every change. The day of the rebuild got its tasks too (its 00:00
      // timer was lost as well), after its slot: they missed it.
      // That day's tasks are created and failed by their own timers: wait until they exist
      // and none waits (before its creation ran, no task of that day waits either).
      const counts = await eventually(async () => {
        const { rows } = await sql<{ date: string; status: string; count: string }>`
          SELECT task_date::text AS date, status, count FROM task_counter
          WHERE campaign_id = ${id} AND count <> 0 ORDER BY task_date, status
        `.execute(s.db)
        const created = rows.some((row) => row.date === '2026-11-21')
        return !created || rows.some((row) => row.status === 'IN_PROGRESS') ? undefined : rows
      })
      expect(counts).toEqual([
        { date: '2026-11-20', status: 'COMPLETED', count: '2' },
        { date: '2026-11-20', status: 'FAILED', count: '1' },
        { date: '2026-11-21', status: 'FAILED', count: '3' },
      ])
    } finally {
      await workers.stop()
    }
  })
})

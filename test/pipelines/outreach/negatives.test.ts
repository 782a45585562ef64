import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { splitUpload } from '../../../pipelines/outreach/upload-split.actor.js'
import { createOutreach, outreachHarness, type OutreachHarness } from '../../support/outreach.js'
import { manualClock, scoringDeps } from '../../support/scoring.js'

const clock = manualClock(Date.parse('2026-11-22T04:00:00Z')) // 09:30 in Kolkata, before slot 1

let h: OutreachHarness
beforeAll(async () => {
  h = await outreachHarness(clock)
})
afterAll(() => h.close())

describe('negative uploads', () => {
  it('should count each upload’s own numbers and cancelled tasks, the same when split again after a crash', async () => {
    const id = await createOutreach(h.t.app, h.admin, { days: 2, flow: { url: h.flow.url } })
    const contacts = await h.upload(
      `/campaigns/${id}/uploads`,
      'phone\n5550001\n5550002\n5550003\n',
    )
    await h.completed(id, contacts)

    const first = await h.upload(
      `/campaigns/${id}/uploads/${contacts}/negatives`,
      'phone\n5550001\n5550001\n5550002\nnot-a-phone\n',
    )
    expect(await h.completed(id, first)).toMatchObject({
      numbers: 2,
      cancelledTasks: 4, // two numbers × two slots today
      rows: { total: 4, accepted: 2, invalid: 1, duplicate: 1 },
    })

    // A second upload lists one number already negative and one new one: it cancels only the
    // new one's tasks, and lists both.
    const second = await h.upload(
      `/campaigns/${id}/uploads/${contacts}/negatives`,
      'phone\n5550002\n5550003\n',
    )
    expect(await h.completed(id, second)).toMatchObject({ numbers: 2, cancelledTasks: 2 })

    // A worker that died after storing everything but before completing: the split runs again
    // over stored numbers and already cancelled tasks, and reports the same counts.
    await h.s.db
      .updateTable('upload_request')
      .set({ status: 'processing', accepted: 0, cancelled_tasks: 0 })
      .where('id', '=', first)
      .execute()
    await splitUpload({ ...scoringDeps(h.s, clock), clock }, first)
    expect(await h.completed(id, first)).toMatchObject({ numbers: 2, cancelledTasks: 4 })

    const tasks = await h.s.db
      .selectFrom('flow_task')
      .select(['status', 'cancelled_by'])
      .where('campaign_id', '=', id)
      .execute()
    expect(tasks.filter((t) => t.status === 'NEGATIVE')).toHaveLength(6)
    expect(tasks.filter((t) => t.cancelled_by === first)).toHaveLength(4)
    expect(tasks.filter((t) => t.cancelled_by === second)).toHaveLength(2)
  })

  it('should stop a retriggered task or one waiting for a retry, and let a call in flight finish', async () => {
    const id = await createOutreach(h.t.app, h.admin, { days: 1, flow: { url: h.flow.url } })
    const contacts = await h.upload(`/campaigns/${id}/uploads`, 'phone\n5560001\n5560002\n')
    await h.completed(id, contacts)
    const tasks = await h.s.db
      .selectFrom('flow_task')
      .selectAll()
      .where('campaign_id', '=', id)
      .where('slot', '=', 1)
      .orderBy('phone')
      .execute()
    const [again, calling] = tasks
    if (again === undefined || calling === undefined) throw new Error('tasks missing')
    // 5560001 was called once and retriggered; 5560002's call is in flight.
    await h.s.db
      .updateTable('flow_task')
      .set({ attempts: 1, retriggered: true })
      .where('id', '=', again.id)
      .execute()
    await h.s.db
      .updateTable('flow_task')
      .set({ attempts: 1 })
      .where('id', '=', calling.id)
      .execute()
    await h.s.db
      .insertInto('task_attempt')
      .values({
        id: '7f0c56c4-8f5e-4b7e-9a57-1b1d3b0c2a11',
        task_id: calling.id,
        attempt: 1,
        campaign_id: id,
        request_id: contacts,
        phone: calling.phone,
        task_date: calling.task_date,
        slot: 1,
        started_at: new Date(clock.now()),
      })
      .execute()

    const negatives = await h.upload(
      `/campaigns/${id}/uploads/${contacts}/negatives`,
      'phone\n5560001\n5560002\n',
    )
    // Slot 2 of both numbers and the retriggered task; not the one in flight.
    expect(await h.completed(id, negatives)).toMatchObject({ numbers: 2, cancelledTasks: 3 })
    const after = await h.s.db
      .selectFrom('flow_task')
      .select(['id', 'status', 'reason'])
      .where('id', 'in', [again.id, calling.id])
      .execute()
    expect(Object.fromEntries(after.map((t) => [t.id, [t.status, t.reason]]))).toEqual({
      [again.id]: ['NEGATIVE', 'NEGATIVE_UPLOAD'],
      [calling.id]: ['IN_PROGRESS', null],
    })
  })
})

import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { customSlotJson } from '../../../../storage/postgres/outreach/outreach-settings.js'
import { failInterrupted } from '../../../../storage/postgres/outreach/task-failure.repository.js'
import { storeContacts, storeOutreachCampaign } from '../../../support/outreach-rows.js'
import { isolatedServices, type TestServices } from '../../../support/services.js'

let s: TestServices
let campaignId: string
const DAY = '2026-11-22'
const custom = { start: '13:00', end: '13:01' }

beforeAll(async () => {
  s = await isolatedServices()
  campaignId = await storeOutreachCampaign(s.db, DAY)
  await storeContacts(s.db, campaignId, DAY, ['2000001', '2000002'])
  // Both were called in the slot; 2000001 was retriggered into a custom slot, and its executor
  // died during that call (an open attempt).
  await s.db
    .updateTable('flow_task')
    .set({ attempts: 2 })
    .where('campaign_id', '=', campaignId)
    .execute()
  const task = await s.db
    .updateTable('flow_task')
    .set({ retriggered: true, custom_slot: customSlotJson(custom) })
    .where('phone', '=', '2000001')
    .returning(['id', 'request_id', 'phone'])
    .executeTakeFirstOrThrow()
  await s.db
    .insertInto('task_attempt')
    .values({
      id: randomUUID(),
      task_id: task.id,
      attempt: 2,
      campaign_id: campaignId,
      request_id: task.request_id,
      phone: task.phone,
      task_date: DAY,
      slot: 1,
      started_at: new Date(`${DAY}T13:00:10Z`),
      ended_at: null,
      status: null,
      reason: null,
      http_status: null,
    })
    .execute()
})
afterAll(() => s.close())

const statuses = async () =>
  (
    await s.db
      .selectFrom('flow_task')
      .select(['phone', 'status', 'reason'])
      .where('campaign_id', '=', campaignId)
      .orderBy('phone')
      .execute()
  ).map((t) => [t.phone, t.status, t.reason])

describe('failInterrupted', () => {
  it("should sweep a slot's own tasks, and a custom slot's retriggered ones, each apart", async () => {
    const at = new Date(`${DAY}T13:05:00Z`)
    const sweep = { campaignId, date: DAY, slot: 1, reason: 'INTERRUPTED', at }
    expect(await failInterrupted(s.db, sweep)).toBe(1)
    expect(await statuses()).toEqual([
      ['2000001', 'IN_PROGRESS', null],
      ['2000002', 'FAILED', 'INTERRUPTED'],
    ])
    expect(await failInterrupted(s.db, { ...sweep, customSlot: custom })).toBe(1)
    expect(await statuses()).toEqual([
      ['2000001', 'FAILED', 'INTERRUPTED'],
      ['2000002', 'FAILED', 'INTERRUPTED'],
    ])
    const open = await s.db
      .selectFrom('task_attempt')
      .select('id')
      .where('ended_at', 'is', null)
      .execute()
    expect(open).toEqual([])
  })
})

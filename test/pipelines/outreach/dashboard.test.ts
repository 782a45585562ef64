import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashboard } from '../../../pipelines/outreach/dashboard.js'
import { findCampaign, setCampaignPaused } from '../../../storage/postgres/campaign.repository.js'
import { storeContacts, storeOutreachCampaign } from '../../support/outreach-rows.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let campaignId: string
const DAY = '2026-11-22'
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00Z`)

beforeAll(async () => {
  s = await isolatedServices()
  campaignId = await storeOutreachCampaign(s.db, DAY, {
    slots: [
      { start: '10:00', end: '12:00' },
      { start: '17:00', end: '19:00' },
    ],
    ratePerSecond: 1,
  })
  await storeContacts(
    s.db,
    campaignId,
    DAY,
    Array.from({ length: 6 }, (_, i) => `100000${i}`),
  )
})
afterAll(() => s.close())

/** Moves slot 1's tasks of these phones to `status`, with `reason` and `attempts`. */
const settle = (phones: string[], status: string, reason: string | null, attempts: number) =>
  s.db
    .updateTable('flow_task')
    .set({ status: status as 'FAILED', reason, attempts })
    .where('campaign_id', '=', campaignId)
    .where('phone', 'in', phones)
    .execute()

const board = async (nowMs: number, slot?: number) =>
  dashboard(s.db, (await findCampaign(s.db, campaignId))!, DAY, nowMs, slot)

describe('the outreach dashboard', () => {
  it('should say Running while a slot is open with calls to make, and Scheduled before it', async () => {
    expect((await board(at('09:30'))).status).toBe('Scheduled')
    expect((await board(at('10:30'))).status).toBe('Running')
    expect((await board(at('10:30'), 1)).status).toBe('Running')
    // Slot 2 has no tasks: nothing runs in it.
    expect((await board(at('17:30'), 2)).status).toBe('Scheduled')
  })

  it('should tell calls from failures without a call, by reason', async () => {
    await settle(['1000000', '1000001'], 'COMPLETED', null, 1)
    await settle(['1000002'], 'FAILED', 'FLOW_ERROR', 3)
    await settle(['1000003', '1000004'], 'FAILED', 'OUT_OF_SLOT_TIME', 0)
    const day = await board(at('12:30'))
    expect(day).toMatchObject({
      uploaded: 6,
      attempted: 5,
      pending: 1,
      completed: 2,
      failed: 3,
      called: 3,
      failedByReason: { FLOW_ERROR: 1, OUT_OF_SLOT_TIME: 2 },
    })
    expect((await board(at('12:30'), 2)).failedByReason).toEqual({})
  })

  it('should say Paused while paused, over Running and a negatives upload', async () => {
    await settle(['1000005'], 'NEGATIVE', null, 0)
    await settle(['1000004'], 'IN_PROGRESS', null, 0)
    expect((await board(at('10:30'))).status).toBe('Running')
    expect((await board(at('13:00'))).status).toBe('Negative upload')
    await setCampaignPaused(s.db, campaignId, { at: new Date(at('10:00')), by: '1' })
    expect((await board(at('10:30'))).status).toBe('Paused')
    expect((await board(at('13:00'))).status).toBe('Paused')
    await setCampaignPaused(s.db, campaignId, null)
    expect((await board(at('10:30'))).status).toBe('Running')
  })
})

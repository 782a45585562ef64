import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setCampaignPaused } from '../../../../storage/postgres/campaign.repository.js'
import {
  claimTasks,
  loadTasksForCall,
  recordResults,
} from '../../../../storage/postgres/outreach/task-attempt.repository.js'
import { storeContacts, storeOutreachCampaign } from '../../../support/outreach-rows.js'
import { isolatedServices, type TestServices } from '../../../support/services.js'

let s: TestServices
let campaignId: string

beforeAll(async () => {
  s = await isolatedServices()
  campaignId = await storeOutreachCampaign(s.db, '2026-11-22')
  await storeContacts(s.db, campaignId, '2026-11-22', ['1234567'])
})
afterAll(() => s.close())

describe('claimTasks', () => {
  it('should let exactly one executor take an attempt, and none while a call is still open', async () => {
    const task = await s.db.selectFrom('flow_task').select('id').executeTakeFirstOrThrow()
    const at = new Date('2026-11-22T10:00:00Z')
    const claim = (releasedAttempts: number, attemptId = randomUUID()) =>
      claimTasks(s.db, [{ taskId: task.id, releasedAttempts, attemptId }], at)
    const first = randomUUID()
    expect(await claim(0, first)).toEqual([task.id])
    expect(await claim(0)).toEqual([])
    // Released again after its executor died mid-call: the open attempt keeps it from a second call.
    expect(await claim(1)).toEqual([])
    await recordResults(s.db, [
      {
        taskId: task.id,
        attemptId: first,
        status: 'IN_PROGRESS',
        reason: 'FLOW_ERROR',
        httpStatus: 500,
        endedAt: at,
        dueAt: at,
      },
    ])
    // Once the attempt ended (a retry is due), the next attempt can be taken, once.
    expect(await claim(1)).toEqual([task.id])
    const attempts = await s.db
      .selectFrom('task_attempt')
      .select(['attempt', 'status'])
      .orderBy('attempt')
      .execute()
    expect(attempts).toEqual([
      { attempt: 1, status: 'FAILED' },
      { attempt: 2, status: null },
    ])
  })

  it('should take nothing of a paused campaign, even a task loaded before the pause', async () => {
    const task = await s.db
      .selectFrom('flow_task')
      .select(['id', 'attempts'])
      .executeTakeFirstOrThrow()
    const at = new Date('2026-11-22T10:30:00Z')
    await s.db.updateTable('task_attempt').set({ ended_at: at }).execute()
    const [loaded] = await loadTasksForCall(s.db, [task.id])
    expect(loaded).toMatchObject({ campaign_paused: false })
    await setCampaignPaused(s.db, campaignId, { at, by: '1' })
    expect((await loadTasksForCall(s.db, [task.id]))[0]).toMatchObject({ campaign_paused: true })
    const claim = () =>
      claimTasks(
        s.db,
        [{ taskId: task.id, releasedAttempts: task.attempts, attemptId: randomUUID() }],
        at,
      )
    expect(await claim()).toEqual([])
    await setCampaignPaused(s.db, campaignId, null)
    expect(await claim()).toEqual([task.id])
  })
})

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cancelUnlessWon,
  decideWinner,
  findWinner,
} from '../../../../storage/postgres/scoring/campaign-winner.repository.js'
import { purchaseCampaign } from '../../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

const winner = (campaignId: string) => ({
  campaignId,
  userId: '7',
  totalMinor: 100n,
  decidedAt: new Date('2026-12-01T00:00:00Z'),
  tieBreak: 'none' as const,
})

/** Holds the campaign's row locked as a cancellation does, until `finish` runs in it. */
function cancellationUnderWay(campaignId: string) {
  let finish!: (cancel: boolean) => void
  const decided = new Promise<boolean>((resolve) => (finish = resolve))
  let locked!: () => void
  const isLocked = new Promise<void>((resolve) => (locked = resolve))
  const done = s.db.transaction().execute(async (trx) => {
    await trx.selectFrom('campaign').select('id').where('id', '=', campaignId).forUpdate().execute()
    locked()
    if (await decided)
      await trx
        .updateTable('campaign')
        .set({ status: 'Cancelled' })
        .where('id', '=', campaignId)
        .execute()
  })
  return { isLocked, finish, done }
}

/** Whether the decision waits for the campaign's row. */
const decisionWaits = async () => {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE wait_event_type = 'Lock' AND query ILIKE '%from "campaign"%for share%'
`.execute(s.db)
  return (rows[0]?.n ?? 0) > 0
}

describe('decideWinner and cancelUnlessWon', () => {
  it('should decide no winner when a cancellation holding the campaign commits first', async () => {
    const id = await purchaseCampaign(s, { itemId: '31' })
    const cancellation = cancellationUnderWay(id)
    await cancellation.isLocked
    let deciding: ReturnType<typeof decideWinner> | undefined
    try {
      deciding = decideWinner(s.db, winner(id))
      await eventually(decisionWaits)
    } finally {
      cancellation.finish(true)
      await cancellation.done
    }
    expect(await deciding).toBeUndefined()
    expect(await findWinner(s.db, id)).toBeUndefined()
  })

  it('should refuse to cancel once the winner is decided, and cancel once only', async () => {
    const won = await purchaseCampaign(s, { itemId: '32' })
    expect(await decideWinner(s.db, winner(won))).toMatchObject({ user_id: '7' })
    expect((await cancelUnlessWon(s.db, won))?.outcome).toBe('won')
    const open = await purchaseCampaign(s, { itemId: '33' })
    expect((await cancelUnlessWon(s.db, open))?.outcome).toBe('cancelled')
    expect((await cancelUnlessWon(s.db, open))?.outcome).toBe('already')
    expect(await decideWinner(s.db, winner(open))).toBeUndefined()
    expect(await cancelUnlessWon(s.db, '999999')).toBeUndefined()
  })
})

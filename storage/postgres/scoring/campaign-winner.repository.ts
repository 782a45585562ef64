import type { Kysely } from 'kysely'
import type { CampaignRow } from '../campaign.table.js'
import type { CampaignWinnerRow, TieBreak } from './campaign-winner.table.js'
import type { Database } from '../database.js'

/**
 * Stores the winner unless one is stored already; returns the stored one either way, or
 * undefined when the campaign was cancelled. The campaign's row is locked meanwhile, so a
 * cancellation ({@link cancelUnlessWon}) comes either before (no winner) or after (refused).
 */
export async function decideWinner(
  db: Kysely<Database>,
  winner: {
    campaignId: string
    userId: string
    totalMinor: bigint
    decidedAt: Date
    tieBreak: TieBreak
  },
): Promise<CampaignWinnerRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const campaign = await trx
      .selectFrom('campaign')
      .select('status')
      .where('id', '=', winner.campaignId)
      .forShare()
      .executeTakeFirst()
    if (campaign === undefined || campaign.status === 'Cancelled') return undefined
    await trx
      .insertInto('campaign_winner')
      .values({
        campaign_id: winner.campaignId,
        user_id: winner.userId,
        total_minor: winner.totalMinor.toString(),
        decided_at: winner.decidedAt,
        tie_break: winner.tieBreak,
      })
      .onConflict((oc) => oc.column('campaign_id').doNothing())
      .execute()
    const stored = await findWinner(trx, winner.campaignId)
    if (stored === undefined) throw new Error(`winner of campaign ${winner.campaignId} vanished`)
    return stored
  })
}

/**
 * Cancels a campaign unless its winner is decided (the campaign's row locked, as
 * {@link decideWinner} locks it): `cancelled` with the row as it was before, `already` when it
 * was cancelled before, `won` when a winner stands.
 */
export async function cancelUnlessWon(
  db: Kysely<Database>,
  campaignId: string,
): Promise<{ outcome: 'cancelled' | 'already' | 'won'; before: CampaignRow } | undefined> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('campaign')
      .selectAll()
      .where('id', '=', campaignId)
      .forUpdate()
      .executeTakeFirst()
    if (before === undefined) return undefined
    if (before.status === 'Cancelled') return { outcome: 'already' as const, before }
    if ((await findWinner(trx, campaignId)) !== undefined)
      return { outcome: 'won' as const, before }
    await trx
      .updateTable('campaign')
      .set({ status: 'Cancelled' })
      .where('id', '=', campaignId)
      .execute()
    return { outcome: 'cancelled' as const, before }
  })
}

/** The stored winner of a campaign, or undefined. */
export async function findWinner(
  db: Kysely<Database>,
  campaignId: string,
): Promise<CampaignWinnerRow | undefined> {
  return db
    .selectFrom('campaign_winner')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst()
}

import type { Kysely } from 'kysely'
import type { CampaignWinnerRow, TieBreak } from './campaign-winner.table.js'
import type { Database } from './database.js'

/** Stores the winner unless one is stored already; returns the stored one either way. */
export async function decideWinner(
  db: Kysely<Database>,
  winner: {
    campaignId: string
    userId: string
    totalMinor: bigint
    decidedAt: Date
    tieBreak: TieBreak
  },
): Promise<CampaignWinnerRow> {
  await db
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
  const stored = await findWinner(db, winner.campaignId)
  if (stored === undefined) throw new Error(`winner of campaign ${winner.campaignId} vanished`)
  return stored
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

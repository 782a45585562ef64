import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { PurchaseTotalRow } from './purchase-total.table.js'

/** One purchase to count, already converted to base minor units. */
export interface ScoredPurchase {
  /** The stream entry it came from. */
  entryId: string
  campaignId: string
  eventId: string
  userId: string
  amount: string
  currency: string
  rate: string
  amountMinor: bigint
  purchasedAt: Date
}

/** A (campaign, user) total after a write. */
export interface Total {
  campaignId: string
  userId: string
  totalMinor: bigint
  reachedAt: Date
}

const toTotal = (row: PurchaseTotalRow): Total => ({
  campaignId: row.campaign_id,
  userId: row.user_id,
  totalMinor: BigInt(row.total_minor),
  reachedAt: row.reached_at,
})

/** What adding a batch of purchases did. */
export interface Applied {
  /** The current total of every (campaign, user) of the batch. */
  totals: Total[]
  /**
   * Purchases whose (campaign, event id) was counted first with other values (user, amount,
   * currency or time): the first one stays, these are not counted.
   */
  conflicts: ScoredPurchase[]
}

/**
 * Counts each purchase exactly once per (campaign, event id) and adds it to its (campaign,
 * user) total, in one statement: within a batch the first in stream order wins; an event id
 * seen again with the same values is a duplicate (nothing happens), with other values a
 * conflict. Returns the current total of every (campaign, user) in the batch, also those whose
 * purchases were all seen before, so a redelivered batch still repairs the Redis mirror.
 */
export async function applyPurchases(
  db: Kysely<Database>,
  purchases: ScoredPurchase[],
): Promise<Applied> {
  if (purchases.length === 0) return { totals: [], conflicts: [] }
  const column = <K extends keyof ScoredPurchase>(key: K) => purchases.map((p) => p[key])
  // Times travel as epoch milliseconds: formatting and parsing timestamptz text is costly here.
  const result = await sql<{
    campaign_id: string | null
    user_id: string | null
    total_minor: string | null
    reached_ms: string | null
    conflict: string | null
  }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${column('campaignId')}::bigint[], ${column('eventId')}::text[], ${column('userId')}::text[],
        ${column('amount')}::numeric[], ${column('currency')}::text[], ${column('rate')}::numeric[],
        ${purchases.map((p) => p.amountMinor.toString())}::bigint[],
        ${purchases.map((p) => String(p.purchasedAt.getTime()))}::bigint[]
      ) WITH ORDINALITY AS t(campaign_id, event_id, user_id, amount, currency, rate, amount_minor, purchased_ms, ord)
    ),
    inserted AS (
      INSERT INTO scored_purchase
        (campaign_id, event_id, user_id, amount, currency, rate, amount_minor, purchased_at)
      SELECT DISTINCT ON (campaign_id, event_id)
        campaign_id, event_id, user_id, amount, currency, rate, amount_minor,
        to_timestamp(purchased_ms / 1000.0)
      FROM input
      ORDER BY campaign_id, event_id, ord
      ON CONFLICT (campaign_id, event_id) DO NOTHING
      RETURNING campaign_id, event_id, user_id, amount, currency, amount_minor, purchased_at
    ),
    -- What each (campaign, event id) of the batch was counted with: stored before, or now.
    counted AS (
      SELECT campaign_id, event_id, user_id, amount, currency, purchased_at FROM inserted
      UNION ALL
      SELECT s.campaign_id, s.event_id, s.user_id, s.amount, s.currency, s.purchased_at
      FROM scored_purchase s JOIN (SELECT DISTINCT campaign_id, event_id FROM input) i
        USING (campaign_id, event_id)
    ),
    conflicts AS (
      SELECT i.ord FROM input i JOIN counted c USING (campaign_id, event_id)
      WHERE (c.user_id, c.amount, c.currency::text, c.purchased_at)
        IS DISTINCT FROM (i.user_id, i.amount, i.currency, to_timestamp(i.purchased_ms / 1000.0))
    ),
    added AS (
      INSERT INTO purchase_total (campaign_id, user_id, total_minor, reached_at)
      SELECT campaign_id, user_id, sum(amount_minor), max(purchased_at)
      FROM inserted GROUP BY campaign_id, user_id ORDER BY campaign_id, user_id
      ON CONFLICT (campaign_id, user_id) DO UPDATE SET
        total_minor = purchase_total.total_minor + excluded.total_minor,
        reached_at = greatest(purchase_total.reached_at, excluded.reached_at)
      RETURNING campaign_id, user_id, total_minor, reached_at
    ),
    -- Totals this statement changed come from RETURNING; the others (every purchase of theirs
    -- seen before) as they stood.
    unchanged AS (
      SELECT campaign_id, user_id FROM input
      EXCEPT SELECT campaign_id, user_id FROM added
    )
    SELECT campaign_id, user_id, total_minor,
      (extract(epoch FROM reached_at) * 1000)::bigint AS reached_ms, NULL::bigint AS conflict
    FROM added
    UNION ALL
    SELECT t.campaign_id, t.user_id, t.total_minor,
      (extract(epoch FROM t.reached_at) * 1000)::bigint AS reached_ms, NULL
    FROM unchanged u JOIN purchase_total t USING (campaign_id, user_id)
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, ord FROM conflicts
  `.execute(db)
  const totals: Total[] = []
  const conflicts: ScoredPurchase[] = []
  for (const row of result.rows) {
    if (row.conflict !== null) {
      const purchase = purchases[Number(row.conflict) - 1]
      if (purchase !== undefined) conflicts.push(purchase)
    } else
      totals.push({
        campaignId: row.campaign_id ?? '',
        userId: row.user_id ?? '',
        totalMinor: BigInt(row.total_minor ?? '0'),
        reachedAt: new Date(Number(row.reached_ms)),
      })
  }
  return { totals, conflicts }
}

/** The first `n` of a campaign in ranking order (total desc, reached earlier, lower user id). */
export async function topTotals(
  db: Kysely<Database>,
  campaignId: string,
  n: number,
): Promise<Total[]> {
  const rows = await db
    .selectFrom('purchase_total')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('total_minor', 'desc')
    .orderBy('reached_at', 'asc')
    .orderBy(sql`length(user_id)`, 'asc')
    .orderBy('user_id', 'asc')
    .limit(n)
    .execute()
  return rows.map(toTotal)
}

/** A campaign's totals in pages of `pageSize`, in user order (for rebuild). */
export async function* allTotals(
  db: Kysely<Database>,
  campaignId: string,
  pageSize = 5000,
): AsyncGenerator<Total[]> {
  let after = ''
  for (;;) {
    const rows = await db
      .selectFrom('purchase_total')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('user_id', '>', after)
      .orderBy('user_id')
      .limit(pageSize)
      .execute()
    if (rows.length === 0) return
    yield rows.map(toTotal)
    after = rows[rows.length - 1]?.user_id ?? after
    if (rows.length < pageSize) return
  }
}

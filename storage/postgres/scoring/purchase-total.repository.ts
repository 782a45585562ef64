import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { PurchaseTotalRow } from './purchase-total.table.js'

/** One purchase to count, already converted to base minor units. */
export interface ScoredPurchase {
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

/**
 * Counts each purchase exactly once per (campaign, event id) and adds it to its (campaign,
 * user) total, in one statement. Returns the current total of every (campaign, user) in the
 * batch, also those whose purchases were all seen before, so a redelivered batch still repairs
 * the Redis mirror.
 */
export async function applyPurchases(
  db: Kysely<Database>,
  purchases: ScoredPurchase[],
): Promise<Total[]> {
  if (purchases.length === 0) return []
  const column = <K extends keyof ScoredPurchase>(key: K) => purchases.map((p) => p[key])
  // Times travel as epoch milliseconds: formatting and parsing timestamptz text is costly here.
  const result = await sql<{
    campaign_id: string
    user_id: string
    total_minor: string
    reached_ms: string
  }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${column('campaignId')}::bigint[], ${column('eventId')}::text[], ${column('userId')}::text[],
        ${column('amount')}::numeric[], ${column('currency')}::text[], ${column('rate')}::numeric[],
        ${purchases.map((p) => p.amountMinor.toString())}::bigint[],
        ${purchases.map((p) => String(p.purchasedAt.getTime()))}::bigint[]
      ) AS t(campaign_id, event_id, user_id, amount, currency, rate, amount_minor, purchased_ms)
    ),
    inserted AS (
      INSERT INTO scored_purchase
        (campaign_id, event_id, user_id, amount, currency, rate, amount_minor, purchased_at)
      SELECT DISTINCT ON (campaign_id, event_id)
        campaign_id, event_id, user_id, amount, currency, rate, amount_minor,
        to_timestamp(purchased_ms / 1000.0)
      FROM input
      ON CONFLICT (campaign_id, event_id) DO NOTHING
      RETURNING campaign_id, user_id, amount_minor, purchased_at
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
      (extract(epoch FROM reached_at) * 1000)::bigint AS reached_ms
    FROM added
    UNION ALL
    SELECT t.campaign_id, t.user_id, t.total_minor,
      (extract(epoch FROM t.reached_at) * 1000)::bigint AS reached_ms
    FROM unchanged u JOIN purchase_total t USING (campaign_id, user_id)
  `.execute(db)
  return result.rows.map((row) => ({
    campaignId: row.campaign_id,
    userId: row.user_id,
    totalMinor: BigInt(row.total_minor),
    reachedAt: new Date(Number(row.reached_ms)),
  }))
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

import { sql, type Kysely } from 'kysely'
import type { CampaignRow, CampaignStatus, CampaignType, NewCampaignRow } from './campaign.table.js'
import type { Database } from './database.js'

/** Inserts a campaign and returns the stored row. */
export async function insertCampaign(
  db: Kysely<Database>,
  campaign: NewCampaignRow,
): Promise<CampaignRow> {
  return db.insertInto('campaign').values(campaign).returningAll().executeTakeFirstOrThrow()
}

/** One campaign by id, or undefined. */
export async function findCampaign(
  db: Kysely<Database>,
  id: string,
): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaign').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Merges `top` into an outreach campaign's settings and `flow` into their `flow`, unless the
 * campaign was revoked; returns the row, or undefined when nothing was changed.
 */
export async function updateOutreachSettings(
  db: Kysely<Database>,
  id: string,
  top: Record<string, unknown>,
  flow: Record<string, unknown>,
): Promise<CampaignRow | undefined> {
  return db
    .updateTable('campaign')
    .set({
      settings: sql`settings || ${JSON.stringify(top)}::jsonb
        || jsonb_build_object('flow', (settings -> 'flow') || ${JSON.stringify(flow)}::jsonb)`,
    })
    .where('id', '=', id)
    .where('type', '=', 'outreach')
    .where('status', '<>', 'Cancelled')
    .returningAll()
    .executeTakeFirst()
}

/**
 * Pauses an outreach campaign that was not revoked (`pause`: when and by whom; pausing again
 * keeps the first), or resumes it (`null`). Returns the row, or undefined when it was revoked.
 */
export async function setCampaignPaused(
  db: Kysely<Database>,
  id: string,
  pause: { at: Date; by: string } | null,
): Promise<CampaignRow | undefined> {
  return db
    .updateTable('campaign')
    .set(
      pause === null
        ? { paused_at: null, paused_by: null }
        : {
            paused_at: sql<Date>`coalesce(paused_at, ${pause.at})`,
            paused_by: sql<string>`coalesce(paused_by, ${pause.by})`,
          },
    )
    .where('id', '=', id)
    .where('type', '=', 'outreach')
    .where('status', '<>', 'Cancelled')
    .returningAll()
    .executeTakeFirst()
}

/** Those of `ids` that are purchase campaigns. */
export async function findPurchaseCampaignIds(
  db: Kysely<Database>,
  ids: string[],
): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('campaign')
    .select('id')
    .where('id', 'in', ids)
    .where('type', '=', 'purchase')
    .execute()
  return rows.map((r) => r.id)
}

/** Purchase campaigns that can still count purchases: not cancelled, no winner decided yet. */
export async function listOpenPurchaseCampaigns(db: Kysely<Database>): Promise<CampaignRow[]> {
  return db
    .selectFrom('campaign')
    .selectAll('campaign')
    .where('campaign.type', '=', 'purchase')
    .where('campaign.status', '!=', 'Cancelled')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('campaign_winner as w')
            .select('w.campaign_id')
            .whereRef('w.campaign_id', '=', 'campaign.id'),
        ),
      ),
    )
    .orderBy('campaign.id')
    .execute()
}

/** The items that any purchase campaign, open or not, was ever about. */
export async function listPurchaseCampaignItems(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('campaign')
    .select('item_id')
    .distinct()
    .where('type', '=', 'purchase')
    .where('item_id', 'is not', null)
    .execute()
  return rows.flatMap((r) => (r.item_id === null ? [] : [r.item_id]))
}

/** Purchase campaigns running at `at` (start ≤ at < end). */
export async function listActiveCampaigns(
  db: Kysely<Database>,
  type: CampaignRow['type'],
  at: Date,
): Promise<CampaignRow[]> {
  return db
    .selectFrom('campaign')
    .selectAll()
    .where('type', '=', type)
    .where('status', '!=', 'Cancelled')
    .where('start_at', '<=', at)
    .where('end_at', '>', at)
    .orderBy('id')
    .execute()
}

/**
 * A campaign's status at `nowMs` in SQL: a purchase campaign's (or a revoked one's) as stored,
 * an outreach campaign's by its days, as `outreachStatus` tells it.
 */
function statusAt(nowMs: number) {
  const now = new Date(nowMs)
  return sql<CampaignStatus>`CASE WHEN type = 'outreach' AND status <> 'Cancelled' THEN
      CASE WHEN ${now} < start_at THEN 'Scheduled' WHEN ${now} < end_at THEN 'Running' ELSE 'Ended' END
    ELSE status END`
}

/**
 * A page of campaigns by id: those after `after`, of `type`, with `status` at `nowMs` and paused
 * or not when given, at most `limit`.
 */
export async function campaignPage(
  db: Kysely<Database>,
  input: {
    type?: CampaignType | undefined
    status?: CampaignStatus | undefined
    /** Only (outreach) campaigns paused now, or only those that are not. */
    paused?: boolean | undefined
    nowMs: number
    after?: string | undefined
    limit: number
  },
): Promise<CampaignRow[]> {
  let query = db.selectFrom('campaign').selectAll().orderBy('id').limit(input.limit)
  if (input.type !== undefined) query = query.where('type', '=', input.type)
  if (input.paused !== undefined)
    query = query.where('paused_at', input.paused ? 'is not' : 'is', null)
  if (input.status !== undefined) query = query.where(statusAt(input.nowMs), '=', input.status)
  if (input.after !== undefined) query = query.where('id', '>', input.after)
  return query.execute()
}

/** Every campaign (of `type`, when given), oldest first. */
export async function listCampaigns(
  db: Kysely<Database>,
  type?: CampaignRow['type'],
): Promise<CampaignRow[]> {
  let query = db.selectFrom('campaign').selectAll().orderBy('id')
  if (type !== undefined) query = query.where('type', '=', type)
  return query.execute()
}

/**
 * Records that the `Start` or `End` event was committed; the first time wins, so repeating it
 * is harmless. Returns the row.
 */
export async function markLifecycle(
  db: Kysely<Database>,
  id: string,
  status: 'Start' | 'End',
  at: Date,
): Promise<CampaignRow | undefined> {
  const column = status === 'Start' ? 'started_at' : 'ended_at'
  return db
    .updateTable('campaign')
    .set({
      [column]: sql<Date>`coalesce(${sql.ref(column)}, ${at})`,
      status: sql<CampaignRow['status']>`case
        when status = 'Cancelled' then status
        when ${status} = 'End' or ended_at is not null then 'Ended'
        else 'Running' end`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/** Outreach campaigns paused now (neither revoked nor over), and since when the oldest. */
export async function pausedCampaigns(
  db: Kysely<Database>,
  nowMs: number,
): Promise<{ count: number; oldestMs: number | undefined }> {
  const row = await db
    .selectFrom('campaign')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('paused_at').as('oldest')])
    .where('type', '=', 'outreach')
    .where('paused_at', 'is not', null)
    .where('status', '<>', 'Cancelled')
    .where('end_at', '>', new Date(nowMs))
    .executeTakeFirstOrThrow()
  const oldest = row.oldest
  return { count: Number(row.n), oldestMs: oldest === null ? undefined : oldest.getTime() }
}

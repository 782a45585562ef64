import type { Kysely } from 'kysely'
import type { Database } from '../database.js'

/**
 * Task counts of one day (or of one of its slots) by campaign and status, from the
 * trigger-kept counters (never by counting tasks).
 */
export async function taskCounts(
  db: Kysely<Database>,
  campaignIds: string[],
  date: string,
  slot: number | undefined,
) {
  let query = db
    .selectFrom('task_counter')
    .select(['campaign_id', 'status', (eb) => eb.fn.sum<string>('count').as('n')])
    .where('campaign_id', 'in', campaignIds)
    .where('task_date', '=', date)
  if (slot !== undefined) query = query.where('slot', '=', slot)
  return query.groupBy(['campaign_id', 'status']).execute()
}

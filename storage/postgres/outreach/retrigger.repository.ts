import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { customSlotJson, type StoredWindow } from './outreach-settings.js'
import { taskRules } from './task-rules.js'

/** True while a call of the campaign has started and not ended. */
export async function attemptInFlight(db: Kysely<Database>, campaignId: string): Promise<boolean> {
  const row = await db
    .selectFrom('task_attempt')
    .select('id')
    .where('campaign_id', '=', campaignId)
    .where('ended_at', 'is', null)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Which tasks of a day a retrigger queues again, and in which slot they run. */
export interface RetriggerTasks {
  campaignId: string
  date: string
  /** One slot only; every slot when undefined. */
  slot: number | undefined
  /** Only the `FAILED` tasks of these reasons; every unfinished task when undefined. */
  reasons: string[] | undefined
  /** The custom slot, or null for the tasks' own slot. */
  customSlot: StoredWindow | null
  at: Date
}

/**
 * Moves a day's unfinished tasks (or its failed tasks of some reasons) back to `IN_PROGRESS`,
 * retriggered, except those of withdrawn uploads; returns how many per slot.
 */
export async function retriggerDay(
  db: Kysely<Database>,
  t: RetriggerTasks,
): Promise<{ slot: number; n: string }[]> {
  const updated = await sql<{ slot: number; n: string }>`
    WITH moved AS (
      UPDATE flow_task SET status = 'IN_PROGRESS', reason = NULL, retriggered = true, custom_slot = ${customSlotJson(t.customSlot)},
        updated_at = ${t.at}
      WHERE campaign_id = ${t.campaignId} AND task_date = ${t.date}::date
        AND (${t.slot ?? null}::smallint IS NULL OR slot = ${t.slot ?? null}::smallint)
        AND (${t.reasons ?? null}::text[] IS NULL AND status IN ('IN_PROGRESS', 'PARTIAL_COMPLETE', 'FAILED')
          OR status = 'FAILED' AND reason = ANY(${t.reasons ?? null}::text[]))
        AND NOT ${taskRules.withdrawn('flow_task.request_id')}
      RETURNING slot
    )
    SELECT slot, count(*) AS n FROM moved GROUP BY slot ORDER BY slot
  `.execute(db)
  return updated.rows
}

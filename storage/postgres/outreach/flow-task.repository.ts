import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { TaskStatus } from './flow-task.table.js'
import { customSlotOf, type StoredWindow } from './outreach-settings.js'
import { taskRules } from './task-rules.js'

/** A task ready to be handed to the executor. */
export interface PendingTask {
  id: string
  attempts: number
}

/** One page of a slot's tasks still `IN_PROGRESS` (or, with `dueBy`, slotless tasks due), by id. */
export async function pendingTasks(
  db: Kysely<Database>,
  input: {
    campaignId: string
    date: string
    slot: number
    afterTaskId: string
    limit: number
    dueBy?: Date
  },
): Promise<PendingTask[]> {
  let query = db
    .selectFrom('flow_task')
    .select(['id', 'attempts'])
    .where('campaign_id', '=', input.campaignId)
    .where('status', '=', 'IN_PROGRESS')
    .where('id', '>', input.afterTaskId)
  // Tasks without a slot are released by due time across days; slot tasks by day and slot.
  query =
    input.dueBy === undefined
      ? query.where('task_date', '=', input.date).where('slot', '=', input.slot)
      : query.where('slot', '=', 0).where('due_at', '<=', input.dueBy)
  return query.orderBy('id').limit(input.limit).execute()
}

/**
 * Slots (day, slot) of a campaign that still count `IN_PROGRESS` tasks, from the live
 * counters (no task is read).
 */
export async function slotsWithPendingTasks(
  db: Kysely<Database>,
  campaignId: string,
): Promise<{ date: string; slot: number }[]> {
  return db
    .selectFrom('task_counter')
    .select([sql<string>`task_date::text`.as('date'), 'slot'])
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'IN_PROGRESS')
    .where('count', '>', '0')
    .orderBy('task_date')
    .orderBy('slot')
    .execute()
}

/** True when some task of the campaign's `date` was retriggered (read from a partial index). */
export async function dayWasRetriggered(
  db: Kysely<Database>,
  campaignId: string,
  date: string,
  slot?: number,
): Promise<boolean> {
  let query = db
    .selectFrom('flow_task')
    .select('id')
    .where('campaign_id', '=', campaignId)
    .where('task_date', '=', date)
    .where('retriggered', '=', true)
  if (slot !== undefined) query = query.where('slot', '=', slot)
  const found = await query.limit(1).executeTakeFirst()
  return found !== undefined
}

/** The day, slot and custom slot of each group of retriggered tasks still waiting for a call. */
export async function pendingRetriggers(
  db: Kysely<Database>,
  campaignId: string,
): Promise<{ date: string; slot: number; customSlot: StoredWindow | null }[]> {
  const groups = await db
    .selectFrom('flow_task')
    .select([sql<string>`task_date::text`.as('date'), 'slot', 'custom_slot as customSlot'])
    .distinct()
    .where('campaign_id', '=', campaignId)
    .where('retriggered', '=', true)
    .where('status', '=', 'IN_PROGRESS')
    .orderBy('date')
    .orderBy('slot')
    .execute()
  return groups.map((g) => ({
    ...g,
    customSlot: customSlotOf(g.customSlot, `campaign ${campaignId}'s tasks of ${g.date}`),
  }))
}

/**
 * Moves tasks to a final status without a call: only those still `IN_PROGRESS` with no attempt
 * open (a call in flight records its own result; a task released twice must not lose it).
 * Returns how many moved.
 */
export async function settleTasks(
  db: Kysely<Database>,
  ids: string[],
  status: TaskStatus,
  reason: string | null,
  at: Date,
): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db
    .updateTable('flow_task')
    .set({ status, reason, updated_at: at })
    .where('id', 'in', ids)
    .where(taskRules.awaitingCall('flow_task'))
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Revokes a campaign: it becomes Cancelled and every task waiting for a call CANCELLED (never
 * called, retriggered, or waiting for a retry); a call in flight finishes and records its result.
 */
export async function revokeCampaign(
  db: Kysely<Database>,
  campaignId: string,
  at: Date,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('campaign')
      .set({ status: 'Cancelled' })
      .where('id', '=', campaignId)
      .execute()
    const result = await trx
      .updateTable('flow_task')
      .set({ status: 'CANCELLED', reason: 'CAMPAIGN_REVOKED', updated_at: at })
      .where('campaign_id', '=', campaignId)
      .where(taskRules.awaitingCall('flow_task'))
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  })
}

/**
 * A day's (or one slot's) failed tasks by reason, and how many of them were called at least
 * once (a `FLOW_ERROR` after a call, say, unlike an `OUT_OF_SLOT_TIME` never reached). Reads
 * only failed tasks (a partial index holds them).
 */
export async function failuresByReason(
  db: Kysely<Database>,
  campaignId: string,
  date: string,
  slot?: number,
): Promise<{ reason: string; failed: number; called: number }[]> {
  let query = db
    .selectFrom('flow_task')
    .select((eb) => [
      eb.fn.coalesce('reason', sql<string>`'UNKNOWN'`).as('reason'),
      eb.fn.countAll<string>().as('failed'),
      sql<string>`count(*) FILTER (WHERE attempts > 0)`.as('called'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('task_date', '=', sql<string>`${date}::date`)
    .where('status', '=', 'FAILED')
    .groupBy('reason')
    .orderBy('reason')
  if (slot !== undefined) query = query.where('slot', '=', slot)
  const rows = await query.execute()
  return rows.map((r) => ({ reason: r.reason, failed: Number(r.failed), called: Number(r.called) }))
}

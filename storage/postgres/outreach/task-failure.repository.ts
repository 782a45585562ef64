/** Tasks that time left behind: failed at a slot's end, by a sweep, or at the campaign's end. */
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { customSlotJson, type StoredWindow } from './outreach-settings.js'
import { taskRules } from './task-rules.js'

/**
 * Every task of a slot not yet attempted becomes FAILED with `reason`; returns how many.
 * Retriggered tasks are left alone: their own release handles them (custom slot included).
 */
export async function failUnattempted(
  db: Kysely<Database>,
  input: { campaignId: string; date: string; slot: number; reason: string; at: Date },
): Promise<number> {
  const result = await db
    .updateTable('flow_task')
    .set({ status: 'FAILED', reason: input.reason, updated_at: input.at })
    .where('campaign_id', '=', input.campaignId)
    .where('task_date', '=', input.date)
    .where('slot', '=', input.slot)
    .where('retriggered', '=', false)
    .where(taskRules.notYetExecuted('flow_task'))
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Fails the retriggered tasks of a (day, slot) that carry `customSlot` and were not reached by
 * its end (as {@link failUnattempted} does for a slot's own tasks); returns how many.
 */
export async function failCustomSlotLeftovers(
  db: Kysely<Database>,
  input: {
    campaignId: string
    date: string
    slot: number
    customSlot: StoredWindow
    reason: string
    at: Date
  },
): Promise<number> {
  const result = await db
    .updateTable('flow_task')
    .set({ status: 'FAILED', reason: input.reason, updated_at: input.at })
    .where('campaign_id', '=', input.campaignId)
    .where('task_date', '=', input.date)
    .where('slot', '=', input.slot)
    .where('retriggered', '=', true)
    .where('custom_slot', '=', customSlotJson(input.customSlot))
    .where(taskRules.awaitingCall('flow_task'))
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Tasks of a slot whose call started but never reported (their executor died) become FAILED
 * with `reason`, and their open attempts are closed. Called well after the slot's end, when no
 * call can still be running. Returns how many.
 */
export async function failInterrupted(
  db: Kysely<Database>,
  input: {
    campaignId: string
    date: string
    slot: number
    /** The tasks retriggered into this custom slot, instead of the slot's own tasks. */
    customSlot?: StoredWindow
    reason: string
    at: Date
  },
): Promise<number> {
  // A slot's own sweep leaves retriggered tasks alone: they wait for their new release (a
  // retrigger is refused while a call of theirs is in flight); a custom slot sweeps its own.
  const whose =
    input.customSlot === undefined
      ? sql`NOT retriggered`
      : sql`retriggered AND custom_slot = ${customSlotJson(input.customSlot)}`
  const result = await sql<{ n: string }>`
    WITH failed AS (
      UPDATE flow_task SET status = 'FAILED', reason = ${input.reason}, updated_at = ${input.at}
      WHERE campaign_id = ${input.campaignId} AND task_date = ${input.date}::date AND slot = ${input.slot}
        AND status = 'IN_PROGRESS' AND attempts > 0 AND ${whose}
      RETURNING id
    ),
    closed AS (
      UPDATE task_attempt SET ended_at = ${input.at}, status = 'FAILED', reason = ${input.reason}
      WHERE task_id IN (SELECT id FROM failed) AND ended_at IS NULL
    )
    SELECT count(*) AS n FROM failed
  `.execute(db)
  return Number(result.rows[0]?.n ?? 0)
}

/**
 * Tasks without a slot still waiting for a call (never called, or waiting for a retry) become
 * FAILED with `reason`; those with a call in flight record their own result. Returns how many.
 */
export async function failUncalledSlotless(
  db: Kysely<Database>,
  input: { campaignId: string; reason: string; at: Date },
): Promise<number> {
  const result = await db
    .updateTable('flow_task')
    .set({ status: 'FAILED', reason: input.reason, updated_at: input.at })
    .where('campaign_id', '=', input.campaignId)
    .where('slot', '=', 0)
    .where(taskRules.awaitingCall('flow_task'))
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Tasks without a slot whose call began before `startedBefore` and never reported become
 * FAILED with `reason` (the call may have happened, so it is not repeated). Returns how many.
 */
export async function failStaleSlotless(
  db: Kysely<Database>,
  input: { campaignId: string; startedBefore: Date; reason: string; at: Date },
): Promise<number> {
  const result = await sql<{ n: string }>`
    WITH stale AS (
      UPDATE task_attempt SET ended_at = ${input.at}, status = 'FAILED', reason = ${input.reason}
      WHERE campaign_id = ${input.campaignId} AND slot = 0 AND ended_at IS NULL AND started_at < ${input.startedBefore}
      RETURNING task_id
    ),
    failed AS (
      UPDATE flow_task SET status = 'FAILED', reason = ${input.reason}, updated_at = ${input.at}
      WHERE id IN (SELECT task_id FROM stale) AND status = 'IN_PROGRESS'
      RETURNING 1
    )
    SELECT count(*) AS n FROM failed
  `.execute(db)
  return Number(result.rows[0]?.n ?? 0)
}

/** Tasks that time left behind: failed at a slot's end, by a sweep, or at the campaign's end. */
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { customSlotJson, type StoredWindow } from './outreach-settings.js'
import { taskRules } from './task-rules.js'

/** A slot's tasks, or those retriggered into a custom slot of it. */
export interface SlotTasks {
  campaignId: string
  date: string
  slot: number
  /** The tasks retriggered into this custom slot, instead of the slot's own tasks. */
  customSlot?: StoredWindow | undefined
}

/**
 * Whose tasks a slot's end or sweep settles: a slot's own (retriggered ones wait for their new
 * release, and a retrigger is refused while a call of theirs is in flight), or those retriggered
 * into one custom slot.
 */
const whose = (input: SlotTasks) =>
  sql<boolean>`campaign_id = ${input.campaignId} AND task_date = ${input.date}::date
    AND slot = ${input.slot} AND ${
      input.customSlot === undefined
        ? sql`NOT retriggered`
        : sql`retriggered AND custom_slot = ${customSlotJson(input.customSlot)}`
    }`

/**
 * At the end of a slot (or of a custom slot), its tasks still waiting for a call and with none
 * in flight become FAILED with `reason`; returns how many.
 */
export async function failUnattempted(
  db: Kysely<Database>,
  input: SlotTasks & { reason: string; at: Date },
): Promise<number> {
  const result = await db
    .updateTable('flow_task')
    .set({ status: 'FAILED', reason: input.reason, updated_at: input.at })
    .where(whose(input))
    .where(
      input.customSlot === undefined
        ? taskRules.notYetExecuted('flow_task')
        : taskRules.awaitingCall('flow_task'),
    )
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
  input: SlotTasks & { reason: string; at: Date },
): Promise<number> {
  const result = await sql<{ n: string }>`
    WITH failed AS (
      UPDATE flow_task SET status = 'FAILED', reason = ${input.reason}, updated_at = ${input.at}
      WHERE ${whose(input)} AND status = 'IN_PROGRESS' AND attempts > 0
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

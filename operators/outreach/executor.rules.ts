import { groupBy } from '../group-by.rules.js'
import {
  at,
  dayOf,
  nextWorkingMs,
  slotWindow,
  workingWindow,
  type DayWindow,
  type OutreachSchedule,
} from './schedule.rules.js'

/** Final statuses a task may reach. */
export type FinalStatus = 'COMPLETED' | 'PARTIAL_COMPLETE' | 'FAILED' | 'NEGATIVE' | 'CANCELLED'

/** What the executor knows of a task right before calling. */
export interface TaskCheck {
  status: string
  attempts: number
  /** Attempts when it was released; a mismatch means another executor took it. */
  releasedAttempts: number
  date: string
  slot: number
  retriggered: boolean
  customSlot: DayWindow | null
  campaignCancelled: boolean
  /** The campaign is paused: its tasks are released again when it resumes. */
  campaignPaused: boolean
  /** Its upload was withdrawn. */
  uploadWithdrawn: boolean
  negative: boolean
  schedule: OutreachSchedule
  /** When the campaign's last day ends (00:00 after it, in its zone). */
  campaignEndMs: number
}

/** Call it, call it once its window opens, settle it without a call, or leave it alone. */
export type Verdict =
  | { kind: 'call' }
  | { kind: 'wait'; untilMs: number }
  | { kind: 'settle'; status: FinalStatus; reason: string | null }
  | { kind: 'skip' }

/** The window a task may be called in, or undefined when any time will do. */
export function callWindow(task: TaskCheck): { startMs: number; endMs: number } | undefined {
  if (task.customSlot !== null) {
    const z = task.schedule.timezone
    return {
      startMs: at(task.date, task.customSlot.start, z),
      endMs: at(task.date, task.customSlot.end, z),
    }
  }
  if (task.retriggered || task.slot === 0) return undefined
  return slotWindow(task.schedule, task.date, task.slot)
}

/**
 * Decides, right before a call, whether the task may be called now: still pending and not taken
 * by another executor, the campaign not revoked nor paused, its upload not withdrawn, the
 * number not negative, and now inside its
 * slot (retriggered tasks skip the slot check, unless they carry a custom slot), or without
 * slots inside the campaign. A task whose window has not opened yet waits for it.
 */
export function decide(task: TaskCheck, nowMs: number): Verdict {
  if (task.status !== 'IN_PROGRESS' || task.attempts !== task.releasedAttempts)
    return { kind: 'skip' }
  if (task.campaignCancelled)
    return { kind: 'settle', status: 'CANCELLED', reason: 'CAMPAIGN_REVOKED' }
  if (task.uploadWithdrawn)
    return { kind: 'settle', status: 'CANCELLED', reason: 'UPLOAD_WITHDRAWN' }
  if (task.negative) return { kind: 'settle', status: 'NEGATIVE', reason: 'DO_NOT_CALL' }
  // Left pending: resuming releases it again (a slot that ends meanwhile fails it).
  if (task.campaignPaused) return { kind: 'skip' }
  if (task.slot === 0 && task.customSlot === null) {
    // Without slots a task is called any time inside working hours while the campaign runs;
    // outside working hours it waits.
    if (nowMs >= task.campaignEndMs)
      return { kind: 'settle', status: 'FAILED', reason: 'CAMPAIGN_ENDED' }
    const hours = workingWindow(task.schedule, dayOf(task.schedule, nowMs))
    return nowMs >= hours.startMs && nowMs < hours.endMs ? { kind: 'call' } : { kind: 'skip' }
  }
  const window = callWindow(task)
  if (window !== undefined) {
    if (nowMs >= window.endMs)
      return { kind: 'settle', status: 'FAILED', reason: 'OUT_OF_SLOT_TIME' }
    if (nowMs < window.startMs) return { kind: 'wait', untilMs: window.startMs }
  }
  return { kind: 'call' }
}

/** The task's status from the flow endpoint's answer (undefined status: no answer in time). */
export function flowOutcome(
  httpStatus: number | undefined,
  body: unknown,
): { status: FinalStatus; reason: string | null } {
  if (httpStatus === undefined || httpStatus < 200 || httpStatus > 299)
    return { status: 'FAILED', reason: 'FLOW_ERROR' }
  const said =
    typeof body === 'object' && body !== null ? (body as { status?: unknown }).status : undefined
  if (said === undefined || said === null) return { status: 'COMPLETED', reason: null }
  const word = typeof said === 'string' ? said.trim().toUpperCase() : undefined
  if (word === 'COMPLETED') return { status: 'COMPLETED', reason: null }
  if (word === 'PARTIAL_COMPLETE') return { status: 'PARTIAL_COMPLETE', reason: null }
  if (word === 'FAILED') return { status: 'FAILED', reason: 'FLOW_FAILED' }
  // The flow answered, so the contact is not called again; the reason shows the flow's bug.
  return { status: 'COMPLETED', reason: 'UNKNOWN_FLOW_STATUS' }
}

/**
 * When a failed task without a slot is tried again: `retryDelaySeconds` later, moved to the next
 * working hours if that falls outside them; undefined when no attempt is left or the campaign
 * will be over by then.
 */
export function retryAt(
  schedule: OutreachSchedule,
  input: {
    attemptsMade: number
    maxAttempts: number
    retryDelaySeconds: number
    campaignEndMs: number
  },
  nowMs: number,
): number | undefined {
  if (input.attemptsMade >= input.maxAttempts) return undefined
  const due = nextWorkingMs(schedule, nowMs + input.retryDelaySeconds * 1000)
  return due < input.campaignEndMs ? due : undefined
}

/** Items of each key in turn (first of every key, then second, …), each key's order kept. */
export function interleave<T>(items: T[], key: (item: T) => string): T[] {
  const out: T[] = []
  const lists = [...groupBy(items, key).values()]
  for (let i = 0; out.length < items.length; i++)
    for (const list of lists) {
      const item = list[i]
      if (item !== undefined) out.push(item)
    }
  return out
}

import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { concatMap, defaultIfEmpty, from, lastValueFrom, mergeMap } from 'rxjs'
import type { Dispatcher } from 'undici'
import { decide, interleave, type TaskCheck } from '../../operators/outreach/executor.rules.js'
import { groupOf, pushTo } from '../../operators/group-by.rules.js'
import { settleTasks } from '../../storage/postgres/outreach/flow-task.repository.js'
import {
  claimTasks,
  loadTasksForCall,
  recordResults,
  type TaskForCall,
} from '../../storage/postgres/outreach/task-attempt.repository.js'
import type { TaskStatus } from '../../storage/postgres/outreach/flow-task.table.js'
import { SLOT_LEAD_MS } from './campaign-timers.js'
import type { OutreachDeps } from './deps.js'
import { callFlow, sharedDeadlines } from './flow-call.js'
import type { ActorDefinition, Decoded, Effect } from '../runtime/actor-definition.js'
import { limiter } from '../runtime/limiter.js'
import { outboundAgent } from '../outbound/outbound-agent.js'
import { secondAlarm } from '../runtime/second-alarm.js'
import { DueTask } from './messages.js'

/** Calls in flight at once per executor batch. */
const CALL_CONCURRENCY = 256
/** Tasks claimed, called and recorded together. */
const CLAIM_GROUP = 64
/**
 * Claims running at once per executor, across its batches, first come first served: when a
 * slot opens, every held batch wakes together, and a few short claims in order get the first
 * calls out sooner than many claims competing for Postgres.
 */
const CLAIMS_AT_ONCE = 2

/** What one executor shares between its batches. */
interface Caller {
  dispatcher: Dispatcher
  claim: <T>(job: () => Promise<T>) => Promise<T>
  /**
   * Resolves at the start of `second`. Batches held for a slot's start resume, and queue their
   * claims, in the order they were read: every campaign's small first page before the big pages.
   */
  second: (second: number) => Promise<void>
}
/**
 * Calls are reserved at most this far ahead; later ones go back on the stream. Far enough for
 * tasks released ahead of their slot to be held until it opens.
 */
const RESERVE_AHEAD_SECONDS = Math.ceil(SLOT_LEAD_MS / 1000) + 1

function check(task: TaskForCall, releasedAttempts: number): TaskCheck {
  return {
    status: task.status,
    attempts: task.attempts,
    releasedAttempts,
    date: task.task_date,
    slot: task.slot,
    retriggered: task.retriggered,
    customSlot: task.custom_slot,
    campaignCancelled: task.campaign_status === 'Cancelled',
    campaignPaused: task.campaign_paused,
    uploadWithdrawn: task.withdrawn,
    negative: task.negative,
    schedule: task.settings,
    campaignEndMs: task.campaign_end.getTime(),
  }
}

/**
 * Executes one batch of released tasks: settles those that may no longer be called, reserves
 * call starts within each campaign's rate, and at each second claims its tasks (re-checking
 * them in Postgres), calls the flow endpoint and records every attempt. Tasks whose turn is
 * more than a few seconds away go back on the stream.
 */
async function execute(
  deps: OutreachDeps,
  caller: Caller,
  batch: Decoded<DueTask>[],
): Promise<Effect> {
  const released = new Map(batch.map((e) => [e.value.taskId, e.value.attempts]))
  const tasks = await loadTasksForCall(deps.db, [...released.keys()])
  const now = deps.clock.now()
  // Tasks settled without a call, by status and reason.
  const settle = new Map<string, { status: TaskStatus; reason: string | null; ids: string[] }>()
  // Tasks to call, by campaign and the first second they may be called in: now, or the start of
  // a slot that opens within the reservation horizon (released ahead of it).
  const toCall = new Map<
    string,
    { campaignId: string; rate: number; fromSecond: number; tasks: TaskForCall[] }
  >()
  const callFrom = (task: TaskForCall, fromSecond: number) =>
    groupOf(toCall, `${task.campaign_id}|${fromSecond}`, () => ({
      campaignId: task.campaign_id,
      rate: task.settings.ratePerSecond,
      fromSecond,
      tasks: [],
    })).tasks.push(task)
  for (const task of tasks) {
    const verdict = decide(check(task, released.get(task.id) ?? -1), now)
    if (verdict.kind === 'call') callFrom(task, Math.floor(now / 1000))
    else if (verdict.kind === 'wait' && verdict.untilMs - now <= RESERVE_AHEAD_SECONDS * 1000)
      callFrom(task, Math.ceil(verdict.untilMs / 1000))
    else if (verdict.kind === 'settle') {
      const { status, reason } = verdict
      groupOf(settle, `${status}|${reason ?? ''}`, () => ({ status, reason, ids: [] })).ids.push(
        task.id,
      )
    }
  }
  for (const { status, reason, ids } of settle.values())
    await settleTasks(deps.db, ids, status, reason, new Date(now))

  const later: TaskForCall[] = []
  const bySecond = new Map<number, TaskForCall[]>()
  for (const { campaignId, rate, fromSecond, tasks: list } of toCall.values()) {
    const seconds = await deps.redis.rateReserve(
      deps.keys.outreachRate(campaignId),
      fromSecond,
      rate,
      list.length,
      Math.floor(now / 1000) + RESERVE_AHEAD_SECONDS,
    )
    list.forEach((task, i) => {
      const s = seconds[i]
      if (s === undefined) later.push(task)
      else pushTo(bySecond, s, task)
    })
  }

  for (const second of [...bySecond.keys()].sort((a, b) => a - b)) {
    await caller.second(second)
    const due: TaskForCall[] = []
    for (const task of bySecond.get(second) ?? []) {
      const verdict = decide(check(task, released.get(task.id) ?? -1), deps.clock.now())
      if (verdict.kind === 'call') due.push(task)
      // Its window has not opened after all (clocks apart): back on the stream.
      else if (verdict.kind === 'wait') later.push(task)
    }
    const byId = new Map(due.map((t) => [t.id, t]))
    // Claim, call and record in small groups so the first calls go out while later claims run;
    // campaigns take turns, so each one's first call is in the first group.
    const fair = interleave(due, (t) => t.campaign_id)
    const groups: TaskForCall[][] = []
    for (let i = 0; i < fair.length; i += CLAIM_GROUP) groups.push(fair.slice(i, i + CLAIM_GROUP))
    await lastValueFrom(
      from(groups).pipe(
        mergeMap(async (group) => {
          const claims = group.map((task) => ({
            taskId: task.id,
            releasedAttempts: released.get(task.id) ?? 0,
            attemptId: randomUUID(),
          }))
          const taken = new Set(
            await caller.claim(() => claimTasks(deps.db, claims, new Date(deps.clock.now()))),
          )
          // The group's calls start now, together: they share their deadline's timer.
          const deadline = sharedDeadlines()
          const results = await Promise.all(
            claims
              .filter((c) => taken.has(c.taskId))
              .map((c) =>
                callFlow(
                  deps,
                  caller.dispatcher,
                  byId.get(c.taskId) as TaskForCall,
                  c.attemptId,
                  deadline,
                ),
              ),
          )
          await recordResults(deps.db, results)
        }, CALL_CONCURRENCY / CLAIM_GROUP),
        defaultIfEmpty(undefined),
      ),
    )
  }
  // Every reservable second is taken: wait for the budget to move before handing them back.
  if (later.length > 0 && bySecond.size === 0) await sleep(1000 - (deps.clock.now() % 1000))
  return {
    commit: (tx) => {
      for (const task of later)
        tx.xadd(
          deps.keys.outreachDue,
          '*',
          'taskId',
          task.id,
          'attempts',
          String(released.get(task.id) ?? 0),
        )
    },
  }
}

/** The executor actor: `outreach:due` → flow endpoint calls, within each campaign's rate. */
export function executorActor(deps: OutreachDeps): ActorDefinition<DueTask> {
  // One keep-alive connection pool for every flow endpoint this executor calls, held to the
  // outbound policy at every connection.
  const dispatcher = outboundAgent(deps.outbound, {
    connections: CALL_CONCURRENCY,
    keepAliveTimeout: 30_000,
  })
  const caller: Caller = {
    dispatcher,
    claim: limiter(CLAIMS_AT_ONCE),
    second: secondAlarm(() => deps.clock.now(), (RESERVE_AHEAD_SECONDS + 1) * 1000),
  }
  return {
    name: 'executor',
    stream: deps.keys.outreachDue,
    group: 'executor',
    schema: DueTask,
    options: { batchSize: 250, concurrency: 4 },
    operate: concatMap((batch: Decoded<DueTask>[]) => execute(deps, caller, batch)),
    // Calls in flight have finished by now; idle keep-alive connections are closed.
    close: () => dispatcher.close(),
  }
}

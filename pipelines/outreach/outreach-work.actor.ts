import { concatMap } from 'rxjs'
import { findCampaign } from '../../storage/postgres/campaign.repository.js'
import { pendingTasks } from '../../storage/postgres/outreach/flow-task.repository.js'
import { analyzeAfterBulkLoad } from '../../storage/postgres/database.js'
import { createDayTasks } from '../../storage/postgres/outreach/outreach-record.repository.js'
import type { Transaction } from '../../storage/redis/connection.js'
import { appendEntries, groupInfos } from '../../storage/redis/streams.js'
import { queueTimers } from '../../storage/redis/timers.js'
import { outreachSettings } from './campaign-views.js'
import { releasingSlots } from './campaign-timers.js'
import { campaignDayTotals } from './dashboard.js'
import type { OutreachDeps } from './deps.js'
import type { ActorDefinition, Decoded, Effect } from '../runtime/actor-definition.js'
import { WorkMessage, createFields, releaseFields } from './messages.js'
import { releaseTimer } from './campaign-timers.js'

/** Records per task-creation page. */
const CREATE_PAGE = 5000
/** Tasks per release page. */
const RELEASE_PAGE = 1000
/**
 * The first page of a slot is small and skips the backlog check, so every slot that starts at
 * the same moment gets its first calls out at once instead of queueing behind the others.
 */
const FIRST_PAGE = 50
/** Released tasks the executor may have waiting before releasing pauses (bounds Redis memory). */
export const DUE_BACKLOG = 5000
/** Pause before looking again when the executor is behind. */
const BACKLOG_PAUSE_MS = 200

/** Released tasks not yet taken or not yet acked by the executor. */
async function executorBacklog(deps: OutreachDeps): Promise<number> {
  if ((await deps.redis.exists(deps.keys.outreachDue)) === 0) return 0
  const info = (await groupInfos(deps.redis, deps.keys.outreachDue)).find(
    (g) => g.name === 'executor',
  )
  if (info === undefined) return await deps.redis.xlen(deps.keys.outreachDue)
  return Number(info.lag ?? 0) + Number(info.pending ?? 0)
}

async function work(deps: OutreachDeps, m: WorkMessage): Promise<(tx: Transaction) => void> {
  const campaign = await findCampaign(deps.db, m.campaignId)
  if (campaign === undefined || campaign.status === 'Cancelled') return () => undefined
  const { keys } = deps
  if (m.op === 'create') {
    const s = outreachSettings(campaign)
    const slots = s.slots.length > 0 ? s.slots.map((_, i) => i + 1) : [0]
    const page = await createDayTasks(deps.db, {
      campaignId: m.campaignId,
      date: m.date,
      slots,
      afterRecordId: m.after,
      limit: CREATE_PAGE,
    })
    const next = page.lastRecordId
    if (next === undefined) {
      const tasks = (await campaignDayTotals(deps.db, m.campaignId, m.date)).uploaded
      deps.logger.info({ campaignId: m.campaignId, date: m.date, tasks }, 'day tasks created')
      await analyzeAfterBulkLoad(deps.db, ['flow_task'], tasks)
    }
    // Once the day is created, a slot whose release already began (one opening at 00:00 starts
    // releasing before its day exists) is released again so that it sees the new tasks.
    const begun = next === undefined ? releasingSlots(s, m.date, deps.clock.now()) : []
    return (tx) => {
      if (next !== undefined)
        tx.xadd(keys.outreachWork, '*', ...createFields(m.campaignId, m.date, next))
      for (const n of begun)
        tx.xadd(keys.outreachWork, '*', ...releaseFields(m.campaignId, m.date, n, '0'))
    }
  }
  // A paused campaign's release stops here; resuming releases its open slots again.
  if (campaign.paused_at !== null) return () => undefined
  const first = m.after === '0'
  if (!first && (await executorBacklog(deps)) >= DUE_BACKLOG) {
    const resume = releaseTimer(
      'resume',
      deps.clock.now() + BACKLOG_PAUSE_MS,
      m.campaignId,
      m.date,
      m.slot,
      m.after,
    )
    return (tx) => queueTimers(tx, keys, [resume])
  }
  const tasks = await pendingTasks(deps.db, {
    campaignId: m.campaignId,
    date: m.date,
    slot: m.slot,
    afterTaskId: m.after,
    limit: first ? FIRST_PAGE : RELEASE_PAGE,
    ...(m.slot === 0 ? { dueBy: new Date(deps.clock.now()) } : {}),
  })
  const last = tasks[tasks.length - 1]
  return (tx) => {
    appendEntries(
      tx,
      keys.outreachDue,
      tasks.map((t) => ['taskId', t.id, 'attempts', String(t.attempts)]),
    )
    if (last !== undefined && tasks.length === (first ? FIRST_PAGE : RELEASE_PAGE))
      tx.xadd(keys.outreachWork, '*', ...releaseFields(m.campaignId, m.date, m.slot, last.id))
  }
}

/** The actor that walks creation and release cursors one page at a time. */
export function outreachWorkActor(deps: OutreachDeps): ActorDefinition<WorkMessage> {
  return {
    name: 'outreach-work',
    stream: deps.keys.outreachWork,
    group: 'outreach-work',
    schema: WorkMessage,
    options: { batchSize: 10, concurrency: 1 },
    operate: concatMap(async (batch: Decoded<WorkMessage>[]): Promise<Effect> => {
      const commits: ((tx: Transaction) => void)[] = []
      for (const entry of batch) commits.push(await work(deps, entry.value))
      return { commit: (tx) => commits.forEach((c) => c(tx)) }
    }),
  }
}

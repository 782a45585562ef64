import { setTimeout as sleep } from 'node:timers/promises'
import type { Dispatcher } from 'undici'
import { rowData } from '../../operators/factory/row-validate.rules.js'
import {
  moveJob,
  rowCounts,
  touchJob,
} from '../../storage/postgres/factory/factory-job.repository.js'
import {
  dueRows,
  markAttempted,
  nextAttemptAt,
  recordOutcomes,
  type RowOutcome,
} from '../../storage/postgres/factory/factory-row.repository.js'
import type { FactoryJobRow, FactoryRowRow } from '../../storage/postgres/factory/factory.table.js'
import { outboundAgent } from '../outbound/outbound-agent.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import { StopRequestedError } from '../runtime/errors.js'
import { backoff } from '../runtime/retry.js'
import { DEFAULT_TARGETS, type FactoryDeps, type FactoryTargets } from './deps.js'
import type { JobMessage } from './messages.js'
import { enterPhase, phaseActor, queuePhase } from './phases.js'
import { compiledVersion } from './schemas.js'
import {
  builtInTarget,
  httpTarget,
  PermanentTargetError,
  TransientTargetError,
  type Target,
} from './target.js'

/** Batches of one job sent at once. */
const BATCHES_IN_FLIGHT = 4
/** Longest wait between looks at rows waiting for a retry (a stop is noticed this fast). */
const MAX_IDLE_MS = 1000

/** What one batch's calls settled for its rows. */
async function createBatch(
  deps: FactoryDeps,
  target: Target,
  job: FactoryJobRow,
  rows: FactoryRowRow[],
  targets: FactoryTargets,
  dataOf: (cells: Readonly<Record<string, string>>) => Record<string, unknown>,
): Promise<RowOutcome[]> {
  const now = deps.clock.now()
  const timed = async <T>(call: string, run: () => Promise<T>): Promise<T> => {
    const end = deps.metrics?.factory.targetCalls.startTimer({ type: job.type, call })
    try {
      const result = await run()
      end?.({ outcome: 'ok' })
      return result
    } catch (error) {
      end?.({ outcome: error instanceof PermanentTargetError ? 'permanent' : 'transient' })
      throw error
    }
  }
  const refs = rows.map((r) => r.client_reference_id)
  const byRef = new Map(rows.map((r) => [r.client_reference_id, r]))
  const outcomes = new Map<number, RowOutcome>()
  // Rows whose attempt was counted before they were sent.
  const counted = new Set<number>()
  const settle = (row: FactoryRowRow, outcome: Omit<RowOutcome, 'row'>) =>
    outcomes.set(row.row, {
      row: row.row,
      ...outcome,
      attempted: outcome.attempted && !counted.has(row.row),
    })
  const waitOrFail = (row: FactoryRowRow, message: string) => {
    const attempts = row.attempts + 1
    if (attempts >= targets.maxAttempts)
      settle(row, {
        status: 'FAILED',
        attempted: true,
        error: {
          column: '',
          code: 'target_unavailable',
          message: `${message} (after ${attempts} attempts)`,
        },
      })
    else {
      deps.metrics?.factory.retries.inc({ type: job.type })
      settle(row, {
        status: 'VALID',
        attempted: true,
        error: { column: '', code: 'target_unavailable', message },
        nextAttemptAt: new Date(
          now + backoff(attempts - 1, targets.backoffBaseMs, targets.backoffMaxMs),
        ),
      })
    }
  }
  try {
    // Search first: a row an earlier attempt created (a crash, a partial answer) is not created again.
    for (const found of await timed('_search', () => target.search(refs))) {
      const row = byRef.get(found.clientReferenceId)
      if (row === undefined) continue
      settle(row, {
        status: row.attempts === 0 ? 'EXISTING' : 'CREATED',
        createdId: found.id,
        attempted: false,
      })
    }
    const missing = rows.filter((r) => !outcomes.has(r.row))
    if (missing.length > 0) {
      await markAttempted(
        deps.db,
        job.id,
        missing.map((r) => r.row),
      )
      for (const r of missing) counted.add(r.row)
      const resources = missing.map((r) => ({
        clientReferenceId: r.client_reference_id,
        data: dataOf(r.cells),
      }))
      const answer = await timed('_create', () => target.create(resources))
      for (const c of answer.created) {
        const row = byRef.get(c.clientReferenceId)
        if (row !== undefined) settle(row, { status: 'CREATED', createdId: c.id, attempted: true })
      }
      for (const r of answer.refused) {
        const row = byRef.get(r.clientReferenceId)
        if (row !== undefined && !outcomes.has(row.row))
          settle(row, {
            status: 'FAILED',
            attempted: true,
            error: { column: '', code: r.code, message: r.message },
          })
      }
      // Rows the answer did not name: created or not? Search tells.
      const unnamed = missing.filter((r) => !outcomes.has(r.row))
      if (unnamed.length > 0) {
        for (const found of await timed('_search', () =>
          target.search(unnamed.map((r) => r.client_reference_id)),
        )) {
          const row = byRef.get(found.clientReferenceId)
          if (row !== undefined)
            settle(row, { status: 'CREATED', createdId: found.id, attempted: true })
        }
        for (const row of unnamed.filter((r) => !outcomes.has(r.row)))
          waitOrFail(row, 'the target did not create the row')
      }
    }
  } catch (error) {
    if (error instanceof PermanentTargetError) {
      for (const row of rows.filter((r) => !outcomes.has(r.row)))
        settle(row, {
          status: 'FAILED',
          attempted: true,
          error: { column: '', code: 'target_refused', message: error.message },
        })
    } else if (error instanceof TransientTargetError) {
      for (const row of rows.filter((r) => !outcomes.has(r.row))) waitOrFail(row, error.message)
    } else throw error
  }
  return [...outcomes.values()]
}

/** The target of a job's type: its configured URL (through the outbound policy), or the built-in registry. */
export function targetFor(
  deps: FactoryDeps,
  job: Pick<FactoryJobRow, 'type' | 'hierarchy_type'>,
  targets: FactoryTargets,
  dispatcher: Dispatcher,
): Target {
  const url = targets.urls[job.type]
  return url === undefined
    ? builtInTarget(deps.db, job.type, job.hierarchy_type)
    : httpTarget(url, dispatcher, targets.timeoutMs)
}

/**
 * Creates a job's valid rows in its type's target, batch by batch, a few batches at once: each
 * row is searched for before it is created (and before every retry), so it is created once
 * however often the job is run; transient failures wait with capped exponential backoff and
 * jitter, up to `maxAttempts`; permanent ones are recorded on the row. Every outcome is stored
 * as it comes: a restarted worker goes on from the rows still VALID.
 */
export async function createJob(
  deps: FactoryDeps,
  jobId: string,
  dispatcher: Dispatcher,
): Promise<Effect> {
  const entered = await enterPhase(deps, jobId, 'creating', ['creating', 'failed'])
  if ('effect' in entered) return entered.effect
  const { job } = entered
  const targets = { ...DEFAULT_TARGETS, ...deps.targets }
  const target = targetFor(deps, job, targets, dispatcher)
  const dataOf = rowData(await compiledVersion(deps.db, job.type, job.schema_version))
  for (;;) {
    if (deps.stopping?.aborted === true)
      throw new StopRequestedError('stopping between batches; the job resumes elsewhere')
    const rows = await dueRows(
      deps.db,
      job.id,
      new Date(deps.clock.now()),
      targets.batch * BATCHES_IN_FLIGHT,
    )
    if (rows.length === 0) {
      const next = await nextAttemptAt(deps.db, job.id)
      if (next === undefined) break
      await sleep(Math.min(MAX_IDLE_MS, Math.max(0, next.getTime() - deps.clock.now())))
      continue
    }
    const batches: FactoryRowRow[][] = []
    for (let i = 0; i < rows.length; i += targets.batch)
      batches.push(rows.slice(i, i + targets.batch))
    await Promise.all(
      batches.map(async (batch) => {
        const outcomes = await createBatch(deps, target, job, batch, targets, dataOf)
        await recordOutcomes(deps.db, job.id, outcomes)
        for (const o of outcomes)
          if (o.status !== 'VALID')
            deps.metrics?.factory.rows.inc({ phase: 'create', outcome: o.status })
      }),
    )
    await touchJob(deps.db, job.id, new Date(deps.clock.now()))
  }
  const counts = await rowCounts(deps.db, job.id)
  deps.logger.info({ jobId: job.id, counts }, 'factory rows created')
  const next = await moveJob(deps.db, job.id, 'annotating', new Date(deps.clock.now()), {
    from: ['creating'],
  })
  return next === undefined ? {} : queuePhase(deps.keys, next)
}

/** The factory-create actor: `factory:{jobs}:create` → rows created in their target. */
export function factoryCreateActor(deps: FactoryDeps): ActorDefinition<JobMessage> {
  // Every call of an HTTP target goes through the outbound policy, checked at each connection.
  const dispatcher = outboundAgent(deps.outbound, { connections: BATCHES_IN_FLIGHT })
  return phaseActor(deps, {
    name: 'factory-create',
    stream: deps.keys.factoryCreate,
    run: (jobId) => createJob(deps, jobId, dispatcher),
    close: () => dispatcher.close(),
  })
}

import type { Kysely } from 'kysely'
import { findCampaign } from '../../storage/postgres/campaign.repository.js'
import type { Database } from '../../storage/postgres/database.js'
import { boundariesUnder } from '../../storage/postgres/factory/boundary.repository.js'
import { findJob, moveJob } from '../../storage/postgres/factory/factory-job.repository.js'
import type {
  FactoryJobRow,
  FactoryJobStatus,
} from '../../storage/postgres/factory/factory.table.js'
import type { Transaction } from '../../storage/redis/connection.js'
import type { Keys } from '../../storage/redis/keys.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import { JobMessage } from './messages.js'
import type { FactoryDeps } from './deps.js'
import { projectSettings } from './project-campaigns.js'
import { oneJobActor } from '../runtime/one-job-actor.js'

/** The phase stream of each running status. */
export function phaseStream(keys: Keys, status: FactoryJobStatus): string | undefined {
  switch (status) {
    case 'accepted':
    case 'validating':
      return keys.factoryValidate
    case 'creating':
      return keys.factoryCreate
    case 'annotating':
      return keys.factoryAnnotate
    default:
      return undefined
  }
}

/** The effect that queues a job's next phase, in the MULTI that acks the current one. */
export function queuePhase(keys: Keys, job: Pick<FactoryJobRow, 'id' | 'status'>): Effect {
  const stream = phaseStream(keys, job.status)
  return stream === undefined
    ? {}
    : { commit: (tx: Transaction) => tx.xadd(stream, '*', 'jobId', job.id) }
}

/**
 * Moves a job into `status` from `from` for its phase to run (a phase names `failed` too: an
 * entry for a failed job comes only from a replayed dead letter, and resumes the job from its
 * rows' checkpoints); a job already past it (a crash
 * after its status moved and before the next phase was queued) is queued for where it is, and
 * a finished one is left alone. Returns the job to work on, or the effect to commit instead.
 */
export async function enterPhase(
  deps: Pick<FactoryDeps, 'db' | 'keys' | 'clock'>,
  jobId: string,
  status: FactoryJobStatus,
  from: readonly FactoryJobStatus[],
): Promise<{ job: FactoryJobRow } | { effect: Effect }> {
  const job = await moveJob(deps.db, jobId, status, new Date(deps.clock.now()), {
    from,
    error: null,
  })
  if (job !== undefined) return { job }
  const now = await findJob(deps.db, jobId)
  return { effect: now === undefined ? {} : queuePhase(deps.keys, now) }
}

/** The codes of the campaign's boundaries and all below them. */
export async function campaignBoundaries(
  db: Kysely<Database>,
  job: Pick<FactoryJobRow, 'campaign_id' | 'hierarchy_type'>,
): Promise<Set<string>> {
  const campaign = await findCampaign(db, job.campaign_id)
  if (campaign === undefined) return new Set()
  const rows = await boundariesUnder(db, job.hierarchy_type, projectSettings(campaign).boundaries)
  return new Set(rows.map((r) => r.code))
}

/** The sheet a type's rows are read from (a template names its data sheet after the type). */
export const sheetName = (type: string) => type

/** Fails the jobs whose phase entries were dead-lettered, with why; replaying the dead letter resumes them. */
export async function failJobs(
  deps: Pick<FactoryDeps, 'db' | 'clock'>,
  entries: { value: JobMessage; error: string }[],
): Promise<void> {
  for (const { value, error } of entries)
    await moveJob(deps.db, value.jobId, 'failed', new Date(deps.clock.now()), {
      from: ['accepted', 'validating', 'creating', 'annotating'],
      error: `${error} (replay the dead letter to resume the job)`,
    })
}

/**
 * The actor of one phase: one job at a time from its stream, `run` does the phase and returns
 * the effect that queues the next; a dead-lettered entry fails its job.
 */
export function phaseActor(
  deps: FactoryDeps,
  phase: {
    name: string
    stream: string
    run: (jobId: string) => Promise<Effect>
    close?: () => Promise<void>
  },
): ActorDefinition<JobMessage> {
  return oneJobActor({
    name: phase.name,
    stream: phase.stream,
    schema: JobMessage,
    run: ({ jobId }) => phase.run(jobId),
    deadLettered: (entries) => failJobs(deps, entries),
    ...(phase.close === undefined ? {} : { close: phase.close }),
  })
}

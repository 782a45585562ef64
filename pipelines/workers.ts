import type { Metrics } from './runtime/metrics.js'
import type { ActorOptions, RunningActor } from './runtime/actor-definition.js'
import { startActor } from './runtime/actor.js'
import { startStreamTrimmer } from './runtime/stream-trimmer.js'
import { startOrphanSweeper } from './files/orphan-sweeper.js'
import { startTimerPoller } from './runtime/timer-poller.js'
import { reduceToLeaderboardActor } from './scoring/reduce-to-leaderboard.actor.js'
import { purchaseQualifyActor } from './scoring/purchase-qualify.actor.js'
import { executorActor } from './outreach/executor.actor.js'
import type { OutreachDeps } from './outreach/deps.js'
import { outreachTimerHandlers } from './outreach/timers.js'
import { outreachWorkActor } from './outreach/outreach-work.actor.js'
import type { ScoringDeps } from './scoring/deps.js'
import { uploadSplitActor } from './outreach/upload-split.actor.js'
import { scoringTimerHandlers } from './scoring/timers.js'
import { timersActor } from './timers.actor.js'
import type { FactoryDeps } from './factory/deps.js'
import { factoryValidateActor } from './factory/factory-validate.actor.js'
import { factoryCreateActor } from './factory/factory-create.actor.js'
import { factoryAnnotateActor } from './factory/factory-annotate.actor.js'
import { factoryGenerateActor } from './factory/factory-generate.actor.js'
import type { ReportsDeps } from './reports/deps.js'
import { reportSettings } from './reports/deps.js'
import { reportExportActor } from './reports/report-export.actor.js'
import { startReportSweeper } from './reports/report-sweeper.js'
import { startReplaySweeper } from './replay/dry-run-keep.js'
import { reportTimerHandlers } from './reports/timers.js'
import type { ReplayDeps } from './replay/deps.js'
import { replayFireActor } from './replay/replay-fire.actor.js'
import { replayValidateActor } from './replay/replay-validate.actor.js'

/** Every actor a worker process can run (`work --actors a,b`). */
export const ACTOR_NAMES = [
  'purchase-qualify',
  'reduce-to-leaderboard',
  'timers',
  'upload-split',
  'outreach-work',
  'executor',
  'factory-validate',
  'factory-create',
  'factory-annotate',
  'factory-generate',
  'report-export',
  'replay-validate',
  'replay-fire',
] as const
export type ActorName = (typeof ACTOR_NAMES)[number]

/** What a worker process needs. */
export interface WorkerDeps
  extends ScoringDeps, OutreachDeps, FactoryDeps, ReportsDeps, ReplayDeps {
  metrics: Metrics
  actorOptions?: Partial<ActorOptions>
  /** How long a published stream without consumer groups keeps entries. @defaultValue 1 day */
  streamRetentionMs?: number
  /** How often streams are trimmed. @defaultValue 5000 */
  trimEveryMs?: number
  /** Stored files no row owns are removed once this old. @defaultValue 1 hour */
  orphanFileAgeMs?: number
  /** How often stored files are swept for orphans, and dry runs for uploads kept too long. @defaultValue 10 minutes */
  sweepEveryMs?: number
}

/** Running actors plus the timer poller and the stream trimmer. */
export interface Workers {
  actors: RunningActor[]
  /** Graceful stop: stop reading, finish and ack in-flight entries, close. */
  stop(): Promise<void>
}

/**
 * Starts the named actors (all by default), with the `timers` actor the timer poller, the
 * stream trimmer (every process trims every stream; any number may), the orphan file sweeper,
 * the report sweeper and the sweeper of dry runs' uploads.
 */
export async function startWorkers(
  deps: WorkerDeps,
  names: readonly ActorName[] = ACTOR_NAMES,
): Promise<Workers> {
  const actorDeps = {
    redis: deps.redis,
    db: deps.db,
    keys: deps.keys,
    logger: deps.logger,
    metrics: deps.metrics.actors,
  }
  const overrides = deps.actorOptions ?? {}
  const factoryDeps: FactoryDeps = deps
  const stopping = new AbortController()
  const starters: Record<ActorName, () => Promise<RunningActor>> = {
    'purchase-qualify': () => startActor(purchaseQualifyActor(deps), actorDeps, overrides),
    'reduce-to-leaderboard': () => startActor(reduceToLeaderboardActor(deps), actorDeps, overrides),
    timers: () =>
      startActor(
        timersActor(deps.keys, {
          ...scoringTimerHandlers(deps),
          ...outreachTimerHandlers(deps),
          ...reportTimerHandlers(deps),
        }),
        actorDeps,
        overrides,
      ),
    'upload-split': () =>
      startActor(uploadSplitActor({ ...deps, stopping: stopping.signal }), actorDeps, overrides),
    'outreach-work': () => startActor(outreachWorkActor(deps), actorDeps, overrides),
    executor: () => startActor(executorActor(deps), actorDeps, overrides),
    'factory-validate': () =>
      startActor(
        factoryValidateActor({ ...factoryDeps, stopping: stopping.signal }),
        actorDeps,
        overrides,
      ),
    'factory-create': () =>
      startActor(
        factoryCreateActor({ ...factoryDeps, stopping: stopping.signal }),
        actorDeps,
        overrides,
      ),
    'factory-annotate': () => startActor(factoryAnnotateActor(factoryDeps), actorDeps, overrides),
    'factory-generate': () => startActor(factoryGenerateActor(factoryDeps), actorDeps, overrides),
    // A report job runs for minutes: its entry is reclaimed only once the job stalls.
    'report-export': () =>
      startActor(reportExportActor({ ...deps, stopping: stopping.signal }), actorDeps, {
        ...overrides,
        visibilityTimeoutMs: reportSettings(deps).stallSeconds * 1000,
      }),
    'replay-validate': () =>
      startActor(replayValidateActor({ ...deps, stopping: stopping.signal }), actorDeps, overrides),
    'replay-fire': () =>
      startActor(replayFireActor({ ...deps, stopping: stopping.signal }), actorDeps, overrides),
  }
  const actors = await Promise.all(names.map((name) => starters[name]()))
  const poller = names.includes('timers') ? startTimerPoller(deps) : undefined
  const trimmer = startStreamTrimmer(deps, {
    consumed: deps.keys.consumedStreams,
    published: deps.keys.publishedStreams,
    retentionMs: deps.streamRetentionMs ?? 86_400_000,
    everyMs: deps.trimEveryMs ?? 5000,
  })
  const sweeper = startOrphanSweeper(
    { ...deps, removed: deps.metrics.orphanFiles },
    { everyMs: deps.sweepEveryMs ?? 600_000, olderThanMs: deps.orphanFileAgeMs ?? 3_600_000 },
  )
  const reports = startReportSweeper(deps)
  const replay = startReplaySweeper(deps, deps.sweepEveryMs ?? 600_000)
  return {
    actors,
    stop: async () => {
      stopping.abort()
      await Promise.all([
        poller?.stop(),
        trimmer.stop(),
        sweeper.stop(),
        reports.stop(),
        replay.stop(),
      ])
      await Promise.all(actors.map((a) => a.stop()))
    },
  }
}

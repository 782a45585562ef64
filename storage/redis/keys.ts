/**
 * Public names of the streams the actors read through consumer groups: each has a dead-letter
 * stream `<name>:dead` that operators may list, replay and discard.
 */
export const CONSUMED_STREAMS = [
  'purchase_events',
  'qualified_purchase_events',
  'timers:due',
  'outreach:uploads',
  'outreach:work',
  'outreach:due',
  'factory:{jobs}:validate',
  'factory:{jobs}:create',
  'factory:{jobs}:annotate',
  'factory:{jobs}:generate',
  'reports:{jobs}:export',
  'replay:{runs}:validate',
  'replay:{runs}:fire',
] as const

/** One of {@link CONSUMED_STREAMS}. */
export type ConsumedStream = (typeof CONSUMED_STREAMS)[number]

/**
 * Every Redis key the application uses, built in one place. `prefix` namespaces a deployment
 * (or a test file). Per-campaign keys carry a `{c<id>}` hash tag so one campaign's keys share a
 * Redis Cluster slot.
 */
export function createKeys(prefix = '') {
  const key = (name: string) => `${prefix}${name}`
  const campaign = (id: string) => key(`campaign:{c${id}}`)
  const streams = {
    purchaseEvents: key('purchase_events'),
    qualifiedPurchases: key('qualified_purchase_events'),
    resultsUpdates: key('results_calculation_update_events'),
    lifecycle: key('campaigns_lifecycle'),
    prizeTransfers: key('prize_transfers'),
    /** Accepted outreach uploads to split into records and tasks. */
    outreachUploads: key('outreach:uploads'),
    /** Paged outreach work: day creation and slot release cursors. */
    outreachWork: key('outreach:work'),
    /** Flow tasks released to the executor. */
    outreachDue: key('outreach:due'),
    /**
     * The factory's phases, one stream each; they share the `{jobs}` hash tag, so that a phase
     * acks its entry and queues the next phase in one MULTI on one Redis Cluster slot.
     */
    factoryValidate: key('factory:{jobs}:validate'),
    factoryCreate: key('factory:{jobs}:create'),
    factoryAnnotate: key('factory:{jobs}:annotate'),
    /** Template generations to build. */
    factoryGenerate: key('factory:{jobs}:generate'),
    /** Report jobs to export (their own `{jobs}` tag: nothing spans it and the factory's). */
    reportsExport: key('reports:{jobs}:export'),
    /** Replay runs to validate, then to fire (one `{runs}` tag: a stage queues the next). */
    replayValidate: key('replay:{runs}:validate'),
    replayFire: key('replay:{runs}:fire'),
    /** A live replay run finished: for the backfill jobs that follow. */
    replayCompleted: key('replay_completed'),
    /** Internal stream that due timers are moved into. */
    timersDue: key('timers:due'),
  }
  return {
    ...streams,
    /** Streams the actors read through consumer groups. */
    consumedStreams: CONSUMED_STREAMS.map(key),
    /** Streams written for readers outside this system. */
    publishedStreams: [
      streams.resultsUpdates,
      streams.lifecycle,
      streams.prizeTransfers,
      streams.replayCompleted,
    ],
    prefix,
    /** Public stream name → its key. */
    stream: (name: string) => key(name),
    /** Key → public stream name (inverse of {@link stream}). */
    streamName: (streamKey: string) =>
      streamKey.startsWith(prefix) ? streamKey.slice(prefix.length) : streamKey,
    /** Calls reserved per second for a campaign (rate limit). */
    outreachRate: (campaignId: string) => `${campaign(campaignId)}:rate`,
    timers: key('timers'),
    timerPayloads: key('timers:payload'),
    /** Dead-letter stream of a stream key. */
    dead: (streamKey: string) => `${streamKey}:dead`,
    /** Last error per pending entry id, so a dead letter can say why. */
    entryErrors: (streamKey: string) => `${streamKey}:errors`,
    leaderboard: (campaignId: string) => `${campaign(campaignId)}:leaderboard`,
    leaderboardMembers: (campaignId: string) => `${campaign(campaignId)}:leaderboard:members`,
    /** Marker that makes a publication happen once (winner prize, lifecycle events). */
    once: (name: string) => key(`once:${name}`),
    /** Bumped whenever campaigns or rates change, so caches know to reload. */
    configVersion: key('config:version'),
  }
}

/** The key builder type passed around as a dependency. */
export type Keys = ReturnType<typeof createKeys>

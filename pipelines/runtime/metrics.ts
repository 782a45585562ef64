import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The prefix of every series this project exports. */
export const PREFIX = 'campaign_streams_'

/** The per-actor series every actor reports without extra code. */
export interface ActorMetrics {
  processed: Counter<'actor' | 'outcome'>
  duration: Histogram<'actor'>
  batchEntries: Histogram<'actor'>
  redeliveries: Counter<'actor'>
  deadLetters: Counter<'actor'>
}

/** The series of the HTTP layer, by route pattern (never the raw path). */
export interface HttpMetrics {
  requests: Counter<'method' | 'route' | 'status'>
  duration: Histogram<'method' | 'route'>
}

/** The calls of the outreach flow endpoint, by what the flow answered. */
export interface FlowMetrics {
  calls: Counter<'status' | 'reason' | 'http'>
  duration: Histogram<'http'>
}

/** The project factory's rows and its calls of target services. */
export interface FactoryMetrics {
  rows: Counter<'phase' | 'outcome'>
  targetCalls: Histogram<'type' | 'call' | 'outcome'>
  retries: Counter<'type'>
}

/** The report scheduler's exports. */
export interface ReportMetrics {
  rows: Counter<'format'>
  jobs: Counter<'outcome'>
  takeovers: Counter
}

/** The replayer's rows and requests. */
export interface ReplayMetrics {
  rows: Counter<'outcome'>
  requests: Histogram<'client' | 'status'>
  retries: Counter<'client'>
}

/** Metrics of one process: a registry plus the actor, HTTP and flow series registered on it. */
export interface Metrics {
  registry: Registry
  actors: ActorMetrics
  http: HttpMetrics
  flow: FlowMetrics
  factory: FactoryMetrics
  reports: ReportMetrics
  replay: ReplayMetrics
  /** Stored files no row owns, removed by the sweeper. */
  orphanFiles: Counter
}

/** Creates the registry with process metrics, the per-actor, HTTP and flow series. */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: PREFIX })
  const registers = [registry]
  const metrics: Metrics = {
    registry,
    actors: {
      processed: new Counter({
        name: `${PREFIX}messages_processed_total`,
        help: 'Stream entries handled by an actor, by outcome',
        labelNames: ['actor', 'outcome'],
        registers,
      }),
      duration: new Histogram({
        name: `${PREFIX}process_duration_seconds`,
        help: 'Time to process and commit one batch',
        labelNames: ['actor'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers,
      }),
      batchEntries: new Histogram({
        name: `${PREFIX}batch_entries`,
        help: 'Entries in one batch an actor read (small batches cost more per entry)',
        labelNames: ['actor'],
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
        registers,
      }),
      redeliveries: new Counter({
        name: `${PREFIX}redeliveries_total`,
        help: 'Entries delivered again after a failure or a crashed consumer',
        labelNames: ['actor'],
        registers,
      }),
      deadLetters: new Counter({
        name: `${PREFIX}dead_letters_total`,
        help: 'Entries moved to a dead-letter stream',
        labelNames: ['actor'],
        registers,
      }),
    },
    http: {
      requests: new Counter({
        name: `${PREFIX}http_requests_total`,
        help: 'HTTP requests answered, by method, route pattern and status code',
        labelNames: ['method', 'route', 'status'],
        registers,
      }),
      duration: new Histogram({
        name: `${PREFIX}http_request_duration_seconds`,
        help: 'Time from a request to its answer (to the start of a streamed body)',
        labelNames: ['method', 'route'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    },
    flow: {
      calls: new Counter({
        name: `${PREFIX}flow_calls_total`,
        help: 'Calls of outreach flow endpoints, by the status and reason they gave the task and the HTTP status class (none: no answer in time, or no connection)',
        labelNames: ['status', 'reason', 'http'],
        registers,
      }),
      duration: new Histogram({
        name: `${PREFIX}flow_call_duration_seconds`,
        help: 'Time from a flow call to its whole answer (or its timeout), by HTTP status class',
        labelNames: ['http'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
    },
    factory: {
      rows: new Counter({
        name: `${PREFIX}factory_rows_total`,
        help: 'Sheet rows the project factory finished a phase with, by phase (validate, create) and outcome (VALID, INVALID, CREATED, EXISTING, FAILED)',
        labelNames: ['phase', 'outcome'],
        registers,
      }),
      targetCalls: new Histogram({
        name: `${PREFIX}factory_target_call_duration_seconds`,
        help: 'Calls of target services by resource type, call (_create, _search) and outcome (ok, transient, permanent)',
        labelNames: ['type', 'call', 'outcome'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
      retries: new Counter({
        name: `${PREFIX}factory_target_retries_total`,
        help: 'Rows put back to wait for another creation attempt after a transient failure, by resource type',
        labelNames: ['type'],
        registers,
      }),
    },
    reports: {
      rows: new Counter({
        name: `${PREFIX}report_export_rows_total`,
        help: 'Rows written into report outputs, by format (csv, xlsx)',
        labelNames: ['format'],
        registers,
      }),
      jobs: new Counter({
        name: `${PREFIX}report_jobs_finished_total`,
        help: 'Report jobs finished, by outcome (succeeded, failed)',
        labelNames: ['outcome'],
        registers,
      }),
      takeovers: new Counter({
        name: `${PREFIX}report_jobs_taken_over_total`,
        help: 'Running report jobs whose worker stopped heartbeating, taken over and restarted',
        registers,
      }),
    },
    replay: {
      rows: new Counter({
        name: `${PREFIX}replay_rows_total`,
        help: 'Replayed rows by outcome (valid, exception, succeeded, failed)',
        labelNames: ['outcome'],
        registers,
      }),
      requests: new Histogram({
        name: `${PREFIX}replay_request_duration_seconds`,
        help: 'Requests fired at collection endpoints, by client and status class (2xx, 4xx, 5xx, error)',
        labelNames: ['client', 'status'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
      retries: new Counter({
        name: `${PREFIX}replay_retries_total`,
        help: 'Requests sent again after a 5xx, a 429 or a timeout, by client',
        labelNames: ['client'],
        registers,
      }),
    },
    orphanFiles: new Counter({
      name: `${PREFIX}filestore_orphans_removed_total`,
      help: 'Stored files no row owns (an upload cut short by a crash, say), removed once old enough',
      registers,
    }),
  }
  // A failure counted from zero: `increase()` over the series sees the first one.
  for (const outcome of ['succeeded', 'failed']) metrics.reports.jobs.inc({ outcome }, 0)
  return metrics
}

/**
 * `read`, shared by the gauges of one scrape: every gauge collected within 250 ms of the first
 * gets the same answer; undefined when it failed (those series are then left out).
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let inFlight: Promise<T | undefined> | undefined
  return () => {
    inFlight ??= read()
      .catch(() => undefined)
      .finally(() => {
        setTimeout(() => (inFlight = undefined), 250).unref()
      })
    return inFlight
  }
}

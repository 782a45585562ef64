import { setMaxListeners } from 'node:events'
import { request, type Dispatcher } from 'undici'
import { flowOutcome, retryAt } from '../../operators/outreach/executor.rules.js'
import type {
  AttemptResult,
  TaskForCall,
} from '../../storage/postgres/outreach/task-attempt.repository.js'
import { OutboundRefused } from '../outbound/outbound-agent.js'
import { RETRY_DEFAULTS } from './campaign-schemas.js'
import type { OutreachDeps } from './deps.js'

/** The abort signal of calls that start together and may take at most `timeoutMs`. */
export type Deadline = (timeoutMs: number) => AbortSignal

/**
 * Deadlines for a group of calls that start together: one timer per timeout value instead of
 * one per call (a timer of its own made each call cost ~25 µs more CPU, a quarter of undici's).
 */
export function sharedDeadlines(): Deadline {
  const signals = new Map<number, AbortSignal>()
  return (timeoutMs) => {
    let signal = signals.get(timeoutMs)
    if (signal === undefined) {
      signal = AbortSignal.timeout(timeoutMs)
      setMaxListeners(0, signal) // every call of the group listens to it
      signals.set(timeoutMs, signal)
    }
    return signal
  }
}

const JSON_BODY = { 'content-type': 'application/json' }

/** The headers of a call: the campaign's own, if any, and the JSON body's type. */
const callHeaders = (extra: Record<string, string> | undefined) =>
  extra === undefined ? JSON_BODY : { ...extra, ...JSON_BODY }

/** A flow answer is a small JSON status; a larger one is not read (the call is a FLOW_ERROR). */
export const MAX_FLOW_ANSWER_BYTES = 64 * 1024

const TOO_LARGE = Symbol('too large')
const NO_ANSWER = Symbol('no answer')

/** The class of an HTTP status for metrics (`2xx`…), or `none` without an answer. */
const httpClass = (status: number | undefined) =>
  status === undefined ? 'none' : `${String(status).charAt(0)}xx`

/** The answer as JSON (undefined when it is not JSON), or TOO_LARGE past `limit` bytes. */
async function readAnswer(body: Dispatcher.ResponseData['body'], limit: number): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      body.destroy()
      return TOO_LARGE
    }
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

/**
 * One call of the flow endpoint for a claimed task: `POST flow.url` with the task as JSON, its
 * answer (or a timeout) turned into the attempt's result. A failed slotless task stays pending
 * with the time of its retry while attempts are left. Never throws.
 */
export async function callFlow(
  deps: Pick<OutreachDeps, 'clock' | 'metrics'>,
  dispatcher: Dispatcher,
  task: TaskForCall,
  attemptId: string,
  deadline: Deadline,
): Promise<AttemptResult> {
  const { settings } = task
  const body = {
    campaignId: task.campaign_id,
    requestId: task.request_id,
    taskId: task.id,
    attemptId,
    phone: task.phone,
    slot: task.slot,
    date: task.task_date,
    attempt: task.attempts + 1,
    retriggered: task.retriggered,
    data: task.data,
  }
  let httpStatus: number | undefined
  let answer: unknown
  let refused = false
  const started = performance.now()
  try {
    const response = await request(settings.flow.url, {
      method: 'POST',
      headers: callHeaders(settings.flow.headers),
      body: JSON.stringify(body),
      dispatcher,
      signal: deadline(settings.flow.timeoutMs),
    })
    httpStatus = response.statusCode
    answer = await readAnswer(response.body, MAX_FLOW_ANSWER_BYTES)
  } catch (error) {
    // No whole answer in time, the connection failed, or the outbound policy refused it.
    answer = NO_ANSWER
    refused = error instanceof OutboundRefused || (error as Error).cause instanceof OutboundRefused
  }
  const outcome = refused
    ? { status: 'FAILED' as const, reason: 'OUTBOUND_REFUSED' }
    : answer === TOO_LARGE || answer === NO_ANSWER
      ? { status: 'FAILED' as const, reason: 'FLOW_ERROR' }
      : flowOutcome(httpStatus, answer)
  const http = httpClass(answer === NO_ANSWER ? undefined : httpStatus)
  deps.metrics?.flow.duration.observe({ http }, (performance.now() - started) / 1000)
  deps.metrics?.flow.calls.inc({ status: outcome.status, reason: outcome.reason ?? 'none', http })
  const endedAt = deps.clock.now()
  // Tasks without a slot are tried again after a failure, while attempts are left.
  const retry =
    outcome.status === 'FAILED' && !refused && task.slot === 0 && !task.retriggered
      ? retryAt(
          settings,
          {
            attemptsMade: task.attempts + 1,
            maxAttempts: settings.flow.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
            retryDelaySeconds: settings.flow.retryDelaySeconds ?? RETRY_DEFAULTS.retryDelaySeconds,
            campaignEndMs: task.campaign_end.getTime(),
          },
          endedAt,
        )
      : undefined
  return {
    taskId: task.id,
    attemptId,
    status: retry === undefined ? outcome.status : 'IN_PROGRESS',
    reason: outcome.reason,
    httpStatus: httpStatus ?? null,
    endedAt: new Date(endedAt),
    dueAt: retry === undefined ? null : new Date(retry),
  }
}

import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MAX_FLOW_ANSWER_BYTES,
  callFlow,
  sharedDeadlines,
} from '../../../pipelines/outreach/flow-call.js'
import { systemClock } from '../../../pipelines/runtime/clock.js'
import { createMetrics } from '../../../pipelines/runtime/metrics.js'
import type { TaskForCall } from '../../../storage/postgres/outreach/task-attempt.repository.js'
import { flowServer } from '../../support/flow-server.js'
import { outboundPolicy } from '../../../operators/outbound.rules.js'
import { outboundAgent } from '../../../pipelines/outbound/outbound-agent.js'

let flow: Awaited<ReturnType<typeof flowServer>>
const dispatcher = new Agent({ connections: 4 })
beforeAll(async () => {
  // 1110001 answers at once; 1110002 only after 1.5 s, well past its 300 ms timeout; 1110003
  // with an answer far larger than a status.
  flow = await flowServer((call) =>
    call.phone === '1110002'
      ? { status: 200, body: { status: 'COMPLETED' }, delayMs: 1500 }
      : call.phone === '1110003'
        ? { status: 200, body: { status: 'COMPLETED', pad: 'x'.repeat(MAX_FLOW_ANSWER_BYTES) } }
        : { status: 200, body: { status: 'PARTIAL_COMPLETE' } },
  )
})
afterAll(async () => {
  await dispatcher.close()
  await flow.close()
})

const task = (id: string, phone: string): TaskForCall => ({
  id,
  campaign_id: '7',
  request_id: '00000000-0000-4000-8000-000000000001',
  record_id: id,
  phone,
  task_date: '2026-11-22',
  slot: 1,
  status: 'IN_PROGRESS',
  attempts: 0,
  retriggered: false,
  custom_slot: null,
  data: { name: 'A' },
  campaign_status: 'Running',
  campaign_paused: false,
  campaign_end: new Date('2026-12-22T00:00:00Z'),
  settings: {
    name: 'Flow call',
    startDate: '2026-11-22',
    days: 30,
    ratePerSecond: 50,
    timezone: 'UTC',
    workingHours: { start: '00:00', end: '23:59' },
    slots: [{ start: '00:00', end: '23:59' }],
    flow: { url: flow.url, timeoutMs: 300, maxAttempts: 3, retryDelaySeconds: 600 },
  },
  negative: false,
  withdrawn: false,
})

describe('callFlow', () => {
  it('should fail a call that outlives its timeout with FLOW_ERROR, and not the fast call sharing its deadline', async () => {
    const deadline = sharedDeadlines()
    const started = performance.now()
    const [fast, slow] = await Promise.all([
      callFlow({ clock: systemClock }, dispatcher, task('1', '1110001'), 'a-1', deadline),
      callFlow({ clock: systemClock }, dispatcher, task('2', '1110002'), 'a-2', deadline),
    ])
    expect(fast).toMatchObject({ taskId: '1', status: 'PARTIAL_COMPLETE', httpStatus: 200 })
    expect(slow).toMatchObject({ taskId: '2', status: 'FAILED', reason: 'FLOW_ERROR' })
    expect(slow.httpStatus).toBeNull()
    // Aborted at the deadline, not when the answer finally came.
    expect(performance.now() - started).toBeLessThan(1400)
  })

  it('should not read an answer larger than a status, and fail the call with FLOW_ERROR', async () => {
    const result = await callFlow(
      { clock: systemClock },
      dispatcher,
      task('3', '1110003'),
      'a-3',
      sharedDeadlines(),
    )
    expect(result).toMatchObject({ status: 'FAILED', reason: 'FLOW_ERROR', httpStatus: 200 })
  })

  it('should fail a call the outbound policy refuses with OUTBOUND_REFUSED, sending nothing and not retrying', async () => {
    const before = flow.calls.length
    const guarded = outboundAgent(outboundPolicy(undefined))
    // A task without a slot would be tried again after a FLOW_ERROR; a refusal is final.
    const result = await callFlow(
      { clock: systemClock },
      guarded,
      { ...task('4', '1110004'), slot: 0 },
      'a-4',
      sharedDeadlines(),
    )
    await guarded.close()
    expect(result).toMatchObject({
      status: 'FAILED',
      reason: 'OUTBOUND_REFUSED',
      httpStatus: null,
      dueAt: null,
    })
    expect(flow.calls.length).toBe(before)
  })

  it('should share one signal per timeout value within a group, and not across groups', () => {
    const deadline = sharedDeadlines()
    expect(deadline(300)).toBe(deadline(300))
    expect(deadline(300)).not.toBe(deadline(500))
    expect(sharedDeadlines()(300)).not.toBe(deadline(300))
  })

  it('should count each call by the status it gave, its reason and HTTP status class, and time it', async () => {
    const metrics = createMetrics()
    const deps = { clock: systemClock, metrics }
    const deadline = sharedDeadlines()
    await Promise.all(
      [task('4', '1110001'), task('5', '1110001'), task('6', '1110002'), task('7', '1110003')].map(
        (t) => callFlow(deps, dispatcher, t, `a-${t.id}`, deadline),
      ),
    )
    const calls = (await metrics.flow.calls.get()).values.map(({ labels, value }) => ({
      ...labels,
      value,
    }))
    expect(calls).toEqual(
      expect.arrayContaining([
        { status: 'PARTIAL_COMPLETE', reason: 'none', http: '2xx', value: 2 },
        { status: 'FAILED', reason: 'FLOW_ERROR', http: 'none', value: 1 },
        { status: 'FAILED', reason: 'FLOW_ERROR', http: '2xx', value: 1 },
      ]),
    )
    expect(calls).toHaveLength(3)
    const text = await metrics.registry.metrics()
    expect(text).toContain('campaign_streams_flow_call_duration_seconds_count{http="2xx"} 3')
    expect(text).toContain('campaign_streams_flow_call_duration_seconds_count{http="none"} 1')
  })
})

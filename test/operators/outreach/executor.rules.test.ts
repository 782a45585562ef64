import { describe, expect, it } from 'vitest'
import {
  decide,
  flowOutcome,
  interleave,
  retryAt,
  type TaskCheck,
} from '../../../operators/outreach/executor.rules.js'
import { exampleOutreach } from '../../support/example-outreach.js'

const { timezone, workingHours, slots, startDate, days } = exampleOutreach
const schedule = { timezone, workingHours, slots, startDate, days }
const kolkata = (hhmm: string, date = '2026-11-22') => Date.parse(`${date}T${hhmm}:00+05:30`)
const task = (over: Partial<TaskCheck> = {}): TaskCheck => ({
  status: 'IN_PROGRESS',
  attempts: 0,
  releasedAttempts: 0,
  date: '2026-11-22',
  slot: 1,
  retriggered: false,
  customSlot: null,
  campaignCancelled: false,
  campaignPaused: false,
  uploadWithdrawn: false,
  negative: false,
  schedule,
  campaignEndMs: kolkata('00:00', '2026-12-22'),
  ...over,
})

describe('decide', () => {
  it('should call a pending task inside its slot, wait for a slot not yet open and fail it after', () => {
    expect(decide(task(), kolkata('10:00'))).toEqual({ kind: 'call' })
    expect(decide(task(), kolkata('11:59'))).toEqual({ kind: 'call' })
    expect(decide(task(), kolkata('09:59'))).toEqual({ kind: 'wait', untilMs: kolkata('10:00') })
    expect(decide(task(), kolkata('12:00'))).toEqual({
      kind: 'settle',
      status: 'FAILED',
      reason: 'OUT_OF_SLOT_TIME',
    })
    expect(decide(task({ slot: 2 }), kolkata('12:30'))).toEqual({
      kind: 'wait',
      untilMs: kolkata('17:00'),
    })
  })

  it('should leave alone a task that is finished or taken by another executor', () => {
    expect(decide(task({ status: 'COMPLETED' }), kolkata('10:30'))).toEqual({ kind: 'skip' })
    expect(decide(task({ attempts: 1 }), kolkata('10:30'))).toEqual({ kind: 'skip' })
  })

  it('should settle tasks of a revoked campaign, a withdrawn upload and negative numbers without a call', () => {
    expect(decide(task({ campaignCancelled: true }), kolkata('10:30'))).toMatchObject({
      status: 'CANCELLED',
      reason: 'CAMPAIGN_REVOKED',
    })
    expect(decide(task({ uploadWithdrawn: true }), kolkata('10:30'))).toMatchObject({
      status: 'CANCELLED',
      reason: 'UPLOAD_WITHDRAWN',
    })
    expect(decide(task({ negative: true }), kolkata('10:30'))).toMatchObject({
      status: 'NEGATIVE',
      reason: 'DO_NOT_CALL',
    })
  })

  it('should leave the tasks of a paused campaign pending, in their slot or before it, but still settle a negative one', () => {
    const paused = task({ campaignPaused: true })
    expect(decide(paused, kolkata('10:30'))).toEqual({ kind: 'skip' })
    expect(decide(paused, kolkata('09:59'))).toEqual({ kind: 'skip' })
    expect(decide(task({ campaignPaused: true, slot: 0 }), kolkata('10:30'))).toEqual({
      kind: 'skip',
    })
    expect(decide(task({ campaignPaused: true, negative: true }), kolkata('10:30'))).toMatchObject({
      status: 'NEGATIVE',
    })
  })

  it('should let a retriggered task skip the slot check unless it carries a custom slot', () => {
    expect(decide(task({ retriggered: true }), kolkata('20:00'))).toEqual({ kind: 'call' })
    const custom = task({ retriggered: true, customSlot: { start: '19:00', end: '20:00' } })
    expect(decide(custom, kolkata('18:30'))).toEqual({ kind: 'wait', untilMs: kolkata('19:00') })
    expect(decide(custom, kolkata('19:30'))).toEqual({ kind: 'call' })
    expect(decide(custom, kolkata('20:00'))).toMatchObject({ reason: 'OUT_OF_SLOT_TIME' })
  })

  it('should call a slotless task inside working hours only, and fail it once the campaign ended', () => {
    const slotless = task({
      slot: 0,
      schedule: { ...schedule, slots: [] },
      campaignEndMs: kolkata('00:00', '2026-11-23'),
    })
    expect(decide(slotless, kolkata('09:00'))).toEqual({ kind: 'call' })
    expect(decide(slotless, kolkata('08:59'))).toEqual({ kind: 'skip' })
    expect(decide(slotless, kolkata('21:00'))).toEqual({ kind: 'skip' })
    expect(decide(slotless, kolkata('09:00', '2026-11-23'))).toEqual({
      kind: 'settle',
      status: 'FAILED',
      reason: 'CAMPAIGN_ENDED',
    })
  })
})

describe('flowOutcome', () => {
  it('should read the status of a 2xx answer (any case), COMPLETED by default or when unknown (with a reason), and fail anything else', () => {
    expect(flowOutcome(200, {})).toEqual({ status: 'COMPLETED', reason: null })
    expect(flowOutcome(204, undefined)).toEqual({ status: 'COMPLETED', reason: null })
    expect(flowOutcome(200, { status: 'PARTIAL_COMPLETE' })).toEqual({
      status: 'PARTIAL_COMPLETE',
      reason: null,
    })
    expect(flowOutcome(200, { status: 'FAILED' })).toEqual({
      status: 'FAILED',
      reason: 'FLOW_FAILED',
    })
    expect(flowOutcome(200, { status: ' partial_complete ' })).toEqual({
      status: 'PARTIAL_COMPLETE',
      reason: null,
    })
    expect(flowOutcome(200, { status: null })).toEqual({ status: 'COMPLETED', reason: null })
    for (const status of ['DONE', 42, { ok: true }]) {
      expect(flowOutcome(200, { status })).toEqual({
        status: 'COMPLETED',
        reason: 'UNKNOWN_FLOW_STATUS',
      })
    }
    expect(flowOutcome(500, {})).toEqual({ status: 'FAILED', reason: 'FLOW_ERROR' })
    expect(flowOutcome(undefined, undefined)).toEqual({ status: 'FAILED', reason: 'FLOW_ERROR' })
  })
})

describe('retryAt', () => {
  const input = {
    attemptsMade: 1,
    maxAttempts: 3,
    retryDelaySeconds: 600,
    campaignEndMs: kolkata('00:00', '2026-12-22'),
  }

  it('should retry after the delay, moved into the next working hours when it falls outside', () => {
    expect(retryAt(schedule, input, kolkata('10:00'))).toBe(kolkata('10:10'))
    expect(retryAt(schedule, input, kolkata('20:55'))).toBe(kolkata('09:00', '2026-11-23'))
  })

  it('should stop when no attempt is left or the campaign is over by then', () => {
    expect(retryAt(schedule, { ...input, attemptsMade: 3 }, kolkata('10:00'))).toBeUndefined()
    expect(
      retryAt(schedule, { ...input, campaignEndMs: kolkata('10:05') }, kolkata('10:00')),
    ).toBeUndefined()
  })
})

describe('interleave', () => {
  it('should give each key a turn in order of first appearance, keeping each key’s order', () => {
    const items = ['a1', 'a2', 'a3', 'b1', 'c1', 'c2']
    expect(interleave(items, (x) => x[0] ?? '')).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3'])
    expect(interleave([], (x: string) => x)).toEqual([])
  })
})

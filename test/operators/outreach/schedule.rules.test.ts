import { describe, expect, it } from 'vitest'
import {
  at,
  campaignDays,
  dayOf,
  isCampaignDay,
  nextWorkingMs,
  openSlots,
  scheduleProblems,
  slotWindow,
  type OutreachSchedule,
} from '../../../operators/outreach/schedule.rules.js'

const berlin: OutreachSchedule = {
  timezone: 'Europe/Berlin',
  workingHours: { start: '08:00', end: '20:00' },
  slots: [
    { start: '09:00', end: '12:00' },
    { start: '14:00', end: '18:00' },
  ],
  startDate: '2026-03-28',
  days: 3,
}

describe('scheduleProblems', () => {
  it('should accept a sound schedule', () => {
    expect(scheduleProblems(berlin, 2)).toEqual([])
  })

  it('should report every broken rule by field', () => {
    const problems = scheduleProblems(
      {
        ...berlin,
        workingHours: { start: '10:00', end: '09:00' },
        slots: [
          { start: '11:00', end: '10:00' },
          { start: '07:00', end: '12:00' },
          { start: '09:30', end: '09:45' },
        ],
      },
      2,
    )
    expect(problems).toContainEqual({
      path: ['workingHours', 'end'],
      message: 'must be after workingHours.start',
    })
    expect(problems).toContainEqual({ path: ['slots'], message: 'at most 2 slots a day' })
    expect(problems).toContainEqual({ path: ['slots', 0, 'end'], message: 'must be after start' })
    expect(problems).toContainEqual({
      path: ['slots', 1],
      message: 'must lie inside working hours',
    })
    expect(problems).toContainEqual({ path: ['slots', 2], message: 'overlaps slot 2' })
  })
})

describe('the days of a campaign', () => {
  it('should list its days in order, across the spring DST change', () => {
    expect(campaignDays(berlin)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30'])
    expect(isCampaignDay(berlin, '2026-03-30')).toBe(true)
    expect(isCampaignDay(berlin, '2026-03-31')).toBe(false)
  })

  it('should read instants in the campaign zone, whatever the offset of the day', () => {
    expect(new Date(at('2026-03-28', '09:00', 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-28T08:00:00.000Z',
    )
    expect(new Date(at('2026-03-30', '09:00', 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    )
    // 02:30 does not exist on 2026-03-29 in Berlin: it moves forward to 03:30 CEST.
    expect(new Date(at('2026-03-29', '02:30', 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    )
    expect(dayOf(berlin, Date.parse('2026-03-28T23:30:00Z'))).toBe('2026-03-29')
  })
})

describe('slots and working hours', () => {
  it('should give a slot its window and drop the slots that have ended', () => {
    const second = slotWindow(berlin, '2026-03-30', 2)
    expect(new Date(second.startMs).toISOString()).toBe('2026-03-30T12:00:00.000Z')
    expect(new Date(second.endMs).toISOString()).toBe('2026-03-30T16:00:00.000Z')
    expect(() => slotWindow(berlin, '2026-03-30', 3)).toThrow(RangeError)
    expect(openSlots(berlin, '2026-03-30', Date.parse('2026-03-30T10:00:00Z'))).toEqual([2])
    expect(openSlots(berlin, '2026-03-30', Date.parse('2026-03-30T16:00:00Z'))).toEqual([])
  })

  it('should move a moment outside working hours to when they next open', () => {
    const inside = Date.parse('2026-03-30T10:00:00Z')
    expect(nextWorkingMs(berlin, inside)).toBe(inside)
    expect(new Date(nextWorkingMs(berlin, Date.parse('2026-03-30T05:00:00Z'))).toISOString()).toBe(
      '2026-03-30T06:00:00.000Z',
    )
    expect(new Date(nextWorkingMs(berlin, Date.parse('2026-03-30T19:00:00Z'))).toISOString()).toBe(
      '2026-03-31T06:00:00.000Z',
    )
  })
})

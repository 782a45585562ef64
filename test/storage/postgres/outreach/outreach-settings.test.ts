import { describe, expect, it } from 'vitest'
import {
  customSlotJson,
  customSlotOf,
  outreachSettingsJson,
  outreachSettingsOf,
  StoredDataError,
  type StoredOutreachSettings,
} from '../../../../storage/postgres/outreach/outreach-settings.js'

const settings: StoredOutreachSettings = {
  name: 'Stored',
  timezone: 'Asia/Kolkata',
  workingHours: { start: '09:00', end: '21:00' },
  slots: [{ start: '10:00', end: '12:00' }],
  startDate: '2026-12-03',
  days: 2,
  flow: {
    url: 'http://flow.example/run',
    timeoutMs: 1000,
    maxAttempts: 3,
    retryDelaySeconds: 600,
    headers: { authorization: 'Bearer x' },
  },
  ratePerSecond: 50,
}

describe('stored outreach settings', () => {
  it('should read back what was written', () => {
    const stored = JSON.parse(outreachSettingsJson(settings)) as Record<string, unknown>
    expect(outreachSettingsOf('1', stored)).toEqual(settings)
  })

  it('should parse one stored object once', () => {
    const stored = JSON.parse(outreachSettingsJson(settings)) as Record<string, unknown>
    expect(outreachSettingsOf('1', stored)).toBe(outreachSettingsOf('1', stored))
  })

  it('should name the campaign and the field when the stored shape is wrong', () => {
    const stored = { ...settings, flow: { ...settings.flow, timeoutMs: '1000' } }
    expect(() => outreachSettingsOf('42', stored)).toThrow(StoredDataError)
    expect(() => outreachSettingsOf('42', stored)).toThrow(
      /settings of outreach campaign 42 .*flow\.timeoutMs/s,
    )
  })
})

describe('stored custom slots', () => {
  it('should read back a custom slot and no custom slot', () => {
    const window = { start: '07:39', end: '07:41' }
    expect(customSlotOf(customSlotJson(window), 'task 1')).toEqual(window)
    expect(customSlotOf(customSlotJson(null), 'task 1')).toBeNull()
  })

  it('should refuse text that is not JSON or not a window, naming the task', () => {
    expect(() => customSlotOf('{start', 'task 7')).toThrow(/custom slot of task 7 is not JSON/)
    expect(() => customSlotOf('{"start":"07:39"}', 'task 7')).toThrow(StoredDataError)
  })
})

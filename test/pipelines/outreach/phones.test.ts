import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createOutreach,
  importDoNotCallList,
  outreachHarness,
  type OutreachHarness,
} from '../../support/outreach.js'
import { manualClock } from '../../support/scoring.js'

const clock = manualClock(Date.parse('2026-11-22T04:00:00Z')) // 09:30 in Kolkata, before slot 1

let h: OutreachHarness
beforeAll(async () => {
  h = await outreachHarness(clock, undefined, { phoneRegion: 'IN' })
})
afterAll(() => h.close())

describe('phones with PHONE_REGION', () => {
  it('should take one number written several ways as one, in uploads, negatives and the do-not-call list', async () => {
    const listed = await importDoNotCallList(h.t.app, h.admin, 'phone\n0091 98765 43212\n')
    expect(listed).toMatchObject({ rows: { added: 1 } })
    expect((await h.t.app.request('/do-not-call/098765-43212', { headers: h.admin })).status).toBe(
      200,
    )

    const id = await createOutreach(h.t.app, h.admin, { days: 1, flow: { url: h.flow.url } })
    const contacts = await h.upload(
      `/campaigns/${id}/uploads`,
      [
        'phone',
        '+91 98765 43210', // kept, in E.164
        '09876543210', // the same number: a duplicate
        '98765 43211',
        '(98765) 43212', // on the do-not-call list
        '98765432', // too short for India
        '+1 415 555 2671', // another country's number, with its code
      ].join('\n'),
    )
    const status = await h.completed(id, contacts)
    expect(status.rows).toEqual({ total: 6, accepted: 3, invalid: 1, duplicate: 1, negative: 1 })
    expect(status.errors.map((e) => [e.row, e.code, e.message])).toEqual([
      [2, 'duplicate', 'phone +919876543210 is also in row 1, where it is kept'],
      [4, 'do_not_call', 'phone +919876543212 is on the do-not-call list'],
      [
        5,
        'invalid_phone',
        '"98765432" is not a phone number of IN, or one starting with + and its country code',
      ],
    ])
    const phones = await h.s.db
      .selectFrom('outreach_record')
      .select('phone')
      .where('request_id', '=', contacts)
      .orderBy('phone')
      .execute()
    expect(phones.map((r) => r.phone)).toEqual(['+14155552671', '+919876543210', '+919876543211'])

    // A negatives upload writes the number another way and still cancels its tasks.
    const negatives = await h.upload(
      `/campaigns/${id}/uploads/${contacts}/negatives`,
      'phone\n91-98765-43210\n',
    )
    expect(await h.completed(id, negatives)).toMatchObject({ cancelledTasks: 2 })
  })
})

import { describe, expect, it } from 'vitest'
import { importDoNotCallList } from '../../support/outreach.js'
import { eventually } from '../../support/services.js'
import {
  useOperationsServices,
  t,
  admin,
  clock,
  kolkata,
  newCampaign,
  csv,
  uploadStatus,
  dash,
} from '../../support/outreach-operations.js'

useOperationsServices()

describe('a contact of an outreach campaign', () => {
  const contact = (id: string, phone: string) =>
    t.app.request(`/campaigns/${id}/contacts/${encodeURIComponent(phone)}`, { headers: admin })

  it('should show what became of a number: its records, negatives, tasks and calls', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(50)
    const upload = async (body: string) =>
      ((await (await csv(`/campaigns/${id}/uploads`, body)).json()) as { requestId: string })
        .requestId
    const first = await upload('phone,name\n5000009,Asha\n5000001,Ravi\n')
    const second = await upload('phone,name\n5000009,Asha again\n')
    await uploadStatus(id, first)
    await uploadStatus(id, second)
    const negatives = (await (
      await csv(`/campaigns/${id}/uploads/${second}/negatives`, 'phone\n5000009\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, negatives.requestId)
    await importDoNotCallList(t.app, admin, 'phone\n5000001\n5000002\n5000004\n')
    clock.set(kolkata('2026-11-22', '10:00'))
    await eventually(async () => (await dash(id)).pending === 0)

    const asha = await contact(id, '500-0009')
    expect(asha.status).toBe(200)
    expect(await asha.json()).toMatchObject({
      campaignId: id,
      phone: '5000009',
      doNotCall: null,
      records: [
        {
          requestId: first,
          row: 1,
          data: { name: 'Asha' },
          negative: false,
          negativeUploads: [],
          tasks: [
            {
              date: '2026-11-22',
              slot: 1,
              status: 'FAILED',
              reason: 'FLOW_ERROR',
              retriggered: false,
              attempts: [{ attempt: 1, status: 'FAILED', reason: 'FLOW_ERROR', httpStatus: 503 }],
            },
          ],
        },
        {
          requestId: second,
          data: { name: 'Asha again' },
          negative: true,
          negativeUploads: [negatives.requestId],
          tasks: [{ date: '2026-11-22', status: 'NEGATIVE', attempts: [] }],
        },
      ],
    })
    // Listed after its upload, before the slot: the check before the call kept it from a call.
    expect(await (await contact(id, '5000001')).json()).toMatchObject({
      doNotCall: { addedBy: '1' },
      records: [
        { requestId: first, negative: false, tasks: [{ status: 'NEGATIVE', attempts: [] }] },
      ],
    })

    // Left out of an upload: the contact shows the rows and why, also with no record at all.
    const refusedUpload = await upload(
      'phone,name\n5000009,Asha\n5000009,Asha twice\n5000002,Listed\n5000003,Kept\n5000003,Kept twice\n',
    )
    await uploadStatus(id, refusedUpload)
    const twice = (await (await contact(id, '5000003')).json()) as { refused: unknown[] }
    expect(twice.refused).toEqual([
      {
        requestId: refusedUpload,
        row: 5,
        code: 'duplicate',
        message: 'phone 5000003 is also in row 4, where it is kept',
        uploadedAt: expect.any(String) as string,
      },
    ])
    expect(
      ((await (await contact(id, '5000009')).json()) as { refused: unknown[] }).refused,
    ).toMatchObject([{ requestId: refusedUpload, row: 2, code: 'duplicate' }])
    const listed = await contact(id, '5000002')
    expect(listed.status).toBe(200)
    expect(await listed.json()).toMatchObject({
      records: [],
      doNotCall: { addedBy: '1' },
      refused: [{ requestId: refusedUpload, row: 3, code: 'do_not_call' }],
    })

    const never = await contact(id, '5000004')
    expect(never.status).toBe(404)
    expect(await never.json()).toMatchObject({
      code: 'contact_not_found',
      title: expect.stringMatching(
        /^No upload of campaign \d+ holds 5000004 \(it is on the do-not-call list since .*\)$/,
      ) as string,
    })
    expect((await contact(id, 'abc')).status).toBe(400)
    expect((await contact('999999', '5000009')).status).toBe(404)
  })
})

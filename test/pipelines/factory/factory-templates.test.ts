import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import {
  csvOf,
  exampleBoundaries,
  keepFile,
  projectCampaign,
  USER_HEADER,
  userRows,
} from '../../support/factory.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let workers: Workers
let admin: Record<string, string>

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  admin = await bearer('1', true)
  workers = await startWorkers(scoringDeps(s), [
    'factory-validate',
    'factory-create',
    'factory-annotate',
    'factory-generate',
  ])
  await exampleBoundaries(t)
})
afterAll(async () => {
  await workers.stop()
  t.close()
  await s.close()
})

interface Template {
  id: string
  status: string
  fileStoreId?: string
}

const generate = async (campaignId: string, force = false) => {
  const res = await t.app.request(
    `/project-factory/v1/data/_generate?type=user&hierarchyType=H&campaignId=${campaignId}&forceUpdate=${force}`,
    { method: 'POST', headers: admin },
  )
  expect(res.status).toBe(202)
  return (await res.json()) as Template
}
const built = (id: string) =>
  eventually(async () => {
    const res = await t.app.request(`/project-factory/v1/data/_generate/${id}`, { headers: admin })
    const row = (await res.json()) as Template
    return row.status === 'inprogress' ? undefined : row
  })
const workbook = async (fileStoreId: string) => {
  const res = await t.app.request(`/files/${fileStoreId}`, { headers: admin })
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(await res.arrayBuffer())
  return book
}
const values = (sheet: ExcelJS.Worksheet | undefined) => {
  const rows: unknown[][] = []
  sheet?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

describe('factory templates', () => {
  it('should build a template with a README, headers, drop-downs and the boundaries, and keep it', async () => {
    const campaignId = await projectCampaign(t, ['KA'])
    const first = await generate(campaignId)
    const done = await built(first.id)
    expect(done.status).toBe('completed')
    const book = await workbook(done.fileStoreId ?? '')
    expect(book.worksheets.map((w) => w.name)).toEqual(['README', 'user', 'Boundaries'])
    const data = book.getWorksheet('user')
    expect(values(data)).toEqual(
      [
        [
          'Name of the Person *',
          'Phone Number *',
          'Role *',
          'Employment Type *',
          'Email',
          'Boundary Code *',
        ],
        [undefined, undefined, undefined, undefined, undefined, 'KA'],
        [undefined, undefined, undefined, undefined, undefined, 'KA_BLR'],
        [undefined, undefined, undefined, undefined, undefined, 'KA_MYS'],
      ].map((r) => r.filter((_, i) => i < 5 || r[i] !== undefined)),
    )
    expect(data?.getCell('C2').dataValidation).toMatchObject({
      type: 'list',
      formulae: ['"Distributor,Supervisor,Warehouse Manager,Health Facility Supervisor"'],
    })
    expect(data?.getCell('F3').dataValidation).toMatchObject({
      type: 'list',
      formulae: ["'Boundaries'!$A$2:$A$4"],
    })
    expect(values(book.getWorksheet('Boundaries')).map((r) => r[0])).toEqual([
      'Boundary Code',
      'KA',
      'KA_BLR',
      'KA_MYS',
    ])

    const again = await generate(campaignId)
    expect(again.id).toBe(first.id)
    const forced = await generate(campaignId, true)
    expect(forced.id).not.toBe(first.id)
    await built(forced.id)
    const old = await t.app.request(`/project-factory/v1/data/_generate/${first.id}`, {
      headers: admin,
    })
    expect(await old.json()).toMatchObject({ status: 'expired' })
    const download = await t.app.request(
      `/project-factory/v1/data/_download?type=user&hierarchyType=H&campaignId=${campaignId}`,
      { headers: admin },
    )
    expect(download.status).toBe(200)
    expect(await download.json()).toMatchObject({ id: forced.id, status: 'completed' })
  })

  it('should build once for two concurrent generates, and start one on a download when none exists', async () => {
    const campaignId = await projectCampaign(t, ['TN'])
    const [a, b] = await Promise.all([generate(campaignId), generate(campaignId)])
    expect(a.id).toBe(b.id)
    const rows = await s.db
      .selectFrom('generated_resource')
      .select('id')
      .where('campaign_id', '=', campaignId)
      .execute()
    expect(rows).toHaveLength(1)
    const other = await projectCampaign(t, ['TN_CHN'])
    const started = await t.app.request(
      `/project-factory/v1/data/_download?type=user&hierarchyType=H&campaignId=${other}`,
      { headers: admin },
    )
    expect(started.status).toBe(202)
    expect((await built(((await started.json()) as Template).id)).status).toBe('completed')
  })

  it("should keep and lock a parent campaign's created rows, and add rows for the child's new boundaries", async () => {
    const parent = await projectCampaign(t, ['KA_BLR'])
    const fileStoreId = await keepFile(t, 'p.csv', csvOf([USER_HEADER, ...userRows(2, 50)]))
    const res = await t.app.request(
      '/project-factory/v1/data/_create',
      jsonBody(
        'POST',
        { type: 'user', fileStoreId, hierarchyType: 'H', campaignId: parent },
        admin,
      ),
    )
    const job = (await res.json()) as { id: string }
    await eventually(async () => {
      const st = (await (
        await t.app.request(`/project-factory/v1/data/${job.id}`, { headers: admin })
      ).json()) as { status: string }
      return st.status === 'completed'
    })
    const child = await projectCampaign(t, ['KA_BLR', 'KA_MYS'], parent)
    const done = await built((await generate(child)).id)
    const sheet = (await workbook(done.fileStoreId ?? '')).getWorksheet('user')
    const rows = values(sheet)
    expect(rows[1]).toEqual([
      'User 50',
      '9000000050',
      'Distributor',
      'Temporary',
      undefined,
      'KA_BLR',
    ])
    expect(rows[2]?.[0]).toBe('User 51')
    expect(rows[3]?.[5]).toBe('KA_MYS')
    expect(rows).toHaveLength(4)
    // Excel locks a cell unless its style says otherwise, once the sheet is protected.
    expect(
      (sheet?.getCell('A2').protection as { locked?: boolean } | undefined)?.locked ?? true,
    ).toBe(true)
    expect(sheet?.getCell('A4').protection).toMatchObject({ locked: false })
    expect(sheet?.getCell('A9').protection).toMatchObject({ locked: false })
    expect((sheet as unknown as { sheetProtection?: object }).sheetProtection).toMatchObject({
      sheet: true,
    })
  })
})

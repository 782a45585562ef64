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
  xlsxOf,
  xlsxRows,
} from '../../support/factory.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let workers: Workers
let admin: Record<string, string>
let campaignId: string

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  admin = await bearer('1', true)
  workers = await startWorkers(scoringDeps(s), [
    'factory-validate',
    'factory-create',
    'factory-annotate',
  ])
  await exampleBoundaries(t)
  campaignId = await projectCampaign(t, ['KA'])
})
afterAll(async () => {
  await workers.stop()
  t.close()
  await s.close()
})

interface JobStatus {
  id: string
  status: string
  error?: string
  processedFileStoreId?: string
  counts: Record<string, number>
  errors: { row: number; line: number; column: string; code: string; message: string }[]
}

const start = async (
  fileStoreId: string,
  action: 'create' | 'validate' = 'create',
  headers = {},
) => {
  const res = await t.app.request(
    '/project-factory/v1/data/_create',
    jsonBody(
      'POST',
      { type: 'user', fileStoreId, hierarchyType: 'H', campaignId, action },
      { ...admin, ...headers },
    ),
  )
  expect(res.status).toBe(202)
  return (await res.json()) as { id: string }
}
const finished = (id: string) =>
  eventually(async () => {
    const res = await t.app.request(`/project-factory/v1/data/${id}`, { headers: admin })
    const job = (await res.json()) as JobStatus
    if (['accepted', 'validating', 'creating', 'annotating'].includes(job.status))
      throw new Error(job.status)
    return job
  }, 20_000)
const download = async (id: string) => {
  const res = await t.app.request(`/files/${id}`, { headers: admin })
  return Buffer.from(await res.arrayBuffer())
}

describe('project factory jobs', () => {
  it('should report every error of a bad sheet at once, create nothing, and annotate it', async () => {
    const rows = [
      USER_HEADER,
      ['Asha', '9876543210', 'Distributor', 'Temporary', 'KA_BLR'],
      ['', '12345', 'Chief', 'Temporary', 'TN_CHN'],
      ['Ravi', '9876543210', 'Supervisor', 'Permanent', 'KA_MYS'],
    ]
    const job = await finished((await start(await keepFile(t, 'users.csv', csvOf(rows)))).id)
    expect(job.status).toBe('invalid')
    expect(job.counts).toMatchObject({ total: 3, invalid: 2, created: 0 })
    expect(job.errors).toEqual([
      {
        row: 2,
        line: 3,
        column: 'Name of the Person',
        code: 'required',
        message: 'Name of the Person is required',
      },
      {
        row: 2,
        line: 3,
        column: 'Phone Number',
        code: 'pattern',
        message: 'Phone Number: Ten digits, starting with 6 to 9',
      },
      expect.objectContaining({ row: 2, column: 'Role', code: 'enum' }),
      expect.objectContaining({ row: 2, column: 'Boundary Code', code: 'unknown_boundary' }),
      {
        row: 3,
        line: 4,
        column: 'Phone Number',
        code: 'duplicate',
        message: 'Phone Number repeats row 1',
      },
    ])
    expect(await s.db.selectFrom('registry_resource').selectAll().execute()).toEqual([])
    const annotated = (await download(job.processedFileStoreId ?? '')).toString()
    expect(annotated.split('\n')[0]).toBe(
      `${USER_HEADER.join(',')},#status#,#errorDetails#,#createdId#`,
    )
    expect(annotated.split('\n')[1]).toMatch(/,VALID,,$/)
    expect(annotated.split('\n')[3]).toContain('INVALID,Phone Number: Phone Number repeats row 1,')
    const csv = await t.app.request(`/project-factory/v1/data/${job.id}/errors.csv`, {
      headers: admin,
    })
    expect((await csv.text()).split('\n')).toHaveLength(1 + 5 + 1)
  })

  it('should validate without creating anything', async () => {
    const job = await finished(
      (await start(await keepFile(t, 'v.csv', csvOf([USER_HEADER, ...userRows(3)])), 'validate'))
        .id,
    )
    expect(job).toMatchObject({ status: 'completed', counts: { total: 3, valid: 3, created: 0 } })
    expect(await s.db.selectFrom('registry_resource').selectAll().execute()).toEqual([])
  })

  it('should create an XLSX sheet in the built-in registry and give back an annotated XLSX', async () => {
    const file = await xlsxOf({
      README: [['Fill the user sheet']],
      user: [USER_HEADER, ...userRows(250)],
    })
    const job = await finished((await start(await keepFile(t, 'users.xlsx', file))).id)
    expect(job.error).toBeUndefined()
    expect(job).toMatchObject({
      status: 'completed',
      counts: { total: 250, created: 250, failed: 0 },
    })
    const stored = await s.db
      .selectFrom('registry_resource')
      .selectAll()
      .where('type', '=', 'user')
      .execute()
    expect(stored).toHaveLength(250)
    expect(stored.find((r) => r.client_reference_id === `${job.id}:1`)?.data).toEqual({
      name: 'User 0',
      phoneNumber: '9000000000',
      role: 'Distributor',
      employmentType: 'Temporary',
      boundaryCode: 'KA_BLR',
    })
    const rows = await xlsxRows(await download(job.processedFileStoreId ?? ''), 'user')
    expect(rows[0]).toEqual([...USER_HEADER, '#status#', '#errorDetails#', '#createdId#'])
    expect(rows).toHaveLength(251)
    const first = stored.find((r) => r.client_reference_id === `${job.id}:1`)
    expect(rows[1]).toEqual([...(userRows(1)[0] ?? []), 'CREATED', '', first?.id])
  })

  it('should answer the same job to the same Idempotency-Key, and mark rows a later job finds existing', async () => {
    const fileStoreId = await keepFile(t, 'again.csv', csvOf([USER_HEADER, ...userRows(2, 1000)]))
    const first = await start(fileStoreId, 'create', { 'idempotency-key': 'k-1' })
    const second = await start(fileStoreId, 'create', { 'idempotency-key': 'k-1' })
    expect(second.id).toBe(first.id)
    expect((await finished(first.id)).counts).toMatchObject({ created: 2 })
  })

  it('should make a sheet without a required column or without rows invalid with the reason', async () => {
    const noPhone = await finished(
      (await start(await keepFile(t, 'np.csv', 'Name of the Person,Role\nA,Distributor\n'))).id,
    )
    expect(noPhone.status).toBe('invalid')
    expect(noPhone.error).toMatch(/no "Phone Number", "Employment Type", "Boundary Code" columns/)
    const empty = await finished(
      (await start(await keepFile(t, 'e.csv', `${USER_HEADER.join(',')}\n`))).id,
    )
    expect(empty).toMatchObject({ status: 'invalid', error: 'The sheet has no data rows' })
  })

  it('should refuse a file that is not a sheet, an unknown file and a type without a schema', async () => {
    const ask = async (body: Record<string, unknown>) =>
      t.app.request(
        '/project-factory/v1/data/_create',
        jsonBody('POST', { type: 'user', hierarchyType: 'H', campaignId, ...body }, admin),
      )
    const pdf = await keepFile(t, 'x.pdf', '%PDF-1.4')
    expect(await (await ask({ fileStoreId: pdf })).json()).toMatchObject({
      status: 400,
      code: 'unsupported_file',
    })
    expect(
      await (await ask({ fileStoreId: '3f1e0c2a-8d4b-4c1e-9a7f-2b6d5e4c3a21' })).json(),
    ).toMatchObject({ status: 404, code: 'file_not_found' })
    expect(await (await ask({ fileStoreId: pdf, type: 'vehicle' })).json()).toMatchObject({
      status: 404,
      code: 'schema_not_found',
    })
    expect(await (await ask({ fileStoreId: pdf, hierarchyType: 'OTHER' })).json()).toMatchObject({
      status: 400,
      code: 'hierarchy_mismatch',
    })
  })

  it('should add the boundaries of a boundary sheet to the hierarchy, refusing a wrong level', async () => {
    const sheet = csvOf([
      ['Boundary Code', 'Boundary Name', 'Level', 'Parent Code'],
      ['KA_MYS_V1', 'Village 1', 'district', 'KA'],
      ['KA_X', 'Nowhere', 'county', 'KA'],
    ])
    const fileStoreId = await keepFile(t, 'boundaries.csv', sheet)
    const res = await t.app.request(
      '/project-factory/v1/data/_create',
      jsonBody('POST', { type: 'boundary', fileStoreId, hierarchyType: 'H', campaignId }, admin),
    )
    const job = await finished(((await res.json()) as { id: string }).id)
    expect(job).toMatchObject({ status: 'partial', counts: { created: 1, failed: 1 } })
    expect(job.errors).toEqual([
      expect.objectContaining({
        row: 2,
        code: 'unknown_level',
        message: 'Level must be one of state, district',
      }),
    ])
    const listed = await t.app.request('/project-factory/boundaries?hierarchyType=H', {
      headers: admin,
    })
    const { boundaries } = (await listed.json()) as {
      boundaries: { code: string; parentCode?: string }[]
    }
    expect(boundaries.find((b) => b.code === 'KA_MYS_V1')).toEqual({
      code: 'KA_MYS_V1',
      name: 'Village 1',
      level: 'district',
      parentCode: 'KA',
    })
    expect(boundaries.map((b) => b.code)).not.toContain('KA_X')
  })

  it('should list jobs by campaign and status, and search them by a body', async () => {
    const list = await t.app.request(
      `/project-factory/v1/data?campaignId=${campaignId}&status=invalid`,
      { headers: admin },
    )
    const { jobs } = (await list.json()) as { jobs: { status: string }[] }
    expect(jobs.length).toBeGreaterThanOrEqual(3)
    expect(jobs.every((j) => j.status === 'invalid')).toBe(true)
    const search = await t.app.request(
      '/project-factory/v1/data/_search',
      jsonBody('POST', { SearchCriteria: { type: 'user', status: 'completed' }, limit: 2 }, admin),
    )
    const found = (await search.json()) as { jobs: unknown[]; next?: string }
    expect(found.jobs).toHaveLength(2)
    expect(found.next).toBeDefined()
  })
})

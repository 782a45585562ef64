import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FactoryTargets } from '../../../pipelines/factory/deps.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import {
  csvOf,
  exampleBoundaries,
  faultyTarget,
  keepFile,
  projectCampaign,
  USER_HEADER,
  userRows,
  type Fault,
} from '../../support/factory.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'
import { kill, killAll, workerChild } from '../../support/worker-child.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let admin: Record<string, string>
let campaignId: string
let workers: Workers | undefined
let target: Awaited<ReturnType<typeof faultyTarget>> | undefined

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  admin = await bearer('1', true)
  await exampleBoundaries(t)
  campaignId = await projectCampaign(t, ['KA'])
})
afterEach(async () => {
  await workers?.stop()
  workers = undefined
  await killAll()
  await target?.close()
  target = undefined
})
afterAll(async () => {
  t.close()
  await s.close()
})

interface Job {
  id: string
  status: string
  counts: Record<string, number>
  errors: { row: number; code: string; message: string }[]
}

/** A target injecting `fault`, and workers that send users to it (20 rows a call, fast retries). */
async function against(fault: (call: number) => Fault, tuning: Partial<FactoryTargets> = {}) {
  target = await faultyTarget(fault)
  workers = await startWorkers(
    {
      ...scoringDeps(s),
      targets: {
        urls: { user: target.url },
        batch: 20,
        maxAttempts: 10,
        timeoutMs: 300,
        backoffBaseMs: 5,
        backoffMaxMs: 40,
        ...tuning,
      },
    },
    ['factory-validate', 'factory-create', 'factory-annotate'],
  )
  return target
}
const start = async (rows: string[][]) => {
  const fileStoreId = await keepFile(t, 'users.csv', csvOf([USER_HEADER, ...rows]))
  const res = await t.app.request(
    '/project-factory/v1/data/_create',
    jsonBody('POST', { type: 'user', fileStoreId, hierarchyType: 'H', campaignId }, admin),
  )
  return ((await res.json()) as { id: string }).id
}
const status = async (id: string) =>
  (await (await t.app.request(`/project-factory/v1/data/${id}`, { headers: admin })).json()) as Job
const finished = (id: string) =>
  eventually(async () => {
    const job = await status(id)
    if (['accepted', 'validating', 'creating', 'annotating'].includes(job.status))
      throw new Error(job.status)
    return job
  }, 30_000)
/** Every row of the job was created at the target exactly once. */
const createdOnce = (id: string, rows: number) => {
  for (let row = 1; row <= rows; row++)
    expect(target?.creations.get(`${id}:${row}`), `row ${row}`).toBe(1)
  expect(target?.creations.size).toBe(rows)
}

describe('factory targets', () => {
  it('should create every row exactly once against a target failing 30% of calls with 503', async () => {
    await against((call) =>
      call % 10 === 1 || call % 10 === 4 || call % 10 === 7
        ? { kind: 'status', status: 503 }
        : { kind: 'ok' },
    )
    const id = await start(userRows(300))
    const job = await finished(id)
    expect(job).toMatchObject({
      status: 'completed',
      counts: { total: 300, created: 300, failed: 0 },
    })
    createdOnce(id, 300)
    expect(target?.calls()).toBeGreaterThan(15)
  })

  it('should repair a 200 that created only part of a batch by searching', async () => {
    await against((call) => (call === 1 ? { kind: 'partial', answered: 5 } : { kind: 'ok' }))
    const id = await start(userRows(40, 500))
    expect(await finished(id)).toMatchObject({ status: 'completed', counts: { created: 40 } })
    createdOnce(id, 40)
  })

  it('should retry a call that timed out without creating its rows twice', async () => {
    await against((call) => (call === 1 ? { kind: 'timeout', ms: 600 } : { kind: 'ok' }))
    const id = await start(userRows(20, 700))
    expect(await finished(id)).toMatchObject({ status: 'completed', counts: { created: 20 } })
    createdOnce(id, 20)
  })

  it('should record a row the target refuses, end partial, and create it on _retry once allowed', async () => {
    let refusing = true
    await against(() =>
      refusing
        ? { kind: 'refuse', match: (data) => data.phoneNumber === '9000000905' }
        : { kind: 'ok' },
    )
    const id = await start(userRows(30, 900))
    const job = await finished(id)
    expect(job).toMatchObject({ status: 'partial', counts: { created: 29, failed: 1 } })
    expect(job.errors).toEqual([
      expect.objectContaining({ row: 6, code: 'duplicate_user', message: 'already registered' }),
    ])
    refusing = false
    const retried = await t.app.request(`/project-factory/v1/data/${id}/_retry`, {
      method: 'POST',
      headers: admin,
    })
    expect(retried.status).toBe(202)
    expect(await finished(id)).toMatchObject({
      status: 'completed',
      counts: { created: 30, failed: 0 },
    })
    createdOnce(id, 30)
    const again = await t.app.request(`/project-factory/v1/data/${id}/_retry`, {
      method: 'POST',
      headers: admin,
    })
    expect(await again.json()).toMatchObject({ status: 409, code: 'not_retryable' })
  })

  it('should fail rows after maxAttempts of a target that never answers well', async () => {
    await against(() => ({ kind: 'status', status: 503 }), { maxAttempts: 3 })
    const id = await start(userRows(5, 1200))
    const job = await finished(id)
    expect(job).toMatchObject({ status: 'partial', counts: { created: 0, failed: 5 } })
    expect(job.errors[0]?.message).toMatch(/answered 503 \(after 3 attempts\)/)
  })

  it('should create every row once when the worker is SIGKILLed mid-create and another takes over', async () => {
    target = await faultyTarget((call) =>
      call > 3 ? { kind: 'timeout', ms: 100 } : { kind: 'ok' },
    )
    const child = await workerChild(s, ['factory-validate', 'factory-create', 'factory-annotate'], {
      TEST_FACTORY_TARGET: target.url,
    })
    const id = await start(userRows(400, 2000))
    await eventually(() => Promise.resolve((target?.creations.size ?? 0) >= 60), 20_000)
    await kill(child)
    const before = target.creations.size
    expect(before).toBeLessThan(400)
    const t2 = target
    target = undefined // kept open by hand: `against` would start another
    workers = await startWorkers(
      {
        ...scoringDeps(s),
        targets: {
          urls: { user: t2.url },
          batch: 20,
          timeoutMs: 1000,
          backoffBaseMs: 5,
          backoffMaxMs: 40,
        },
      },
      ['factory-validate', 'factory-create', 'factory-annotate'],
    )
    target = t2
    const job = await finished(id)
    expect(job).toMatchObject({
      status: 'completed',
      counts: { total: 400, created: 400, existing: 0, failed: 0 },
    })
    createdOnce(id, 400)
  })
})

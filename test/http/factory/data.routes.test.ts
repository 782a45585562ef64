import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import {
  csvOf,
  exampleBoundaries,
  keepFile,
  projectCampaign,
  USER_HEADER,
  userRows,
} from '../../support/factory.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

// No workers here: a job stays `accepted`, as one still running would.
let s: TestServices
let t: ReturnType<typeof testApp>
let admin: Record<string, string>
let campaignId: string
let fileStoreId: string

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  admin = await bearer('1', true)
  await exampleBoundaries(t)
  campaignId = await projectCampaign(t, ['KA'])
  fileStoreId = await keepFile(t, 'users.csv', csvOf([USER_HEADER, ...userRows(2)]))
})
afterAll(async () => {
  t.close()
  await s.close()
})

const create = (action: 'create' | 'validate', headers: Record<string, string> = {}) =>
  t.app.request(
    '/project-factory/v1/data/_create',
    jsonBody(
      'POST',
      { type: 'user', fileStoreId, hierarchyType: 'H', campaignId, action },
      { ...admin, ...headers },
    ),
  )

describe('factory data routes', () => {
  it('should answer the running job to the same file, type, campaign and action, and queue it once', async () => {
    const first = await create('create')
    const again = await create('create')
    expect(first.status).toBe(202)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    const { id } = (await first.json()) as { id: string }
    expect(((await again.json()) as { id: string }).id).toBe(id)
    expect(await s.redis.xlen(s.keys.factoryValidate)).toBe(1)
    const validate = (await (await create('validate')).json()) as { id: string }
    expect(validate.id).not.toBe(id)
  })

  it('should not let another user read a job, and need an admin to start one', async () => {
    const { id } = (await (await create('create')).json()) as { id: string }
    const other = await t.app.request(`/project-factory/v1/data/${id}`, {
      headers: await bearer('2'),
    })
    expect(other.status).toBe(403)
    const start = await t.app.request(
      '/project-factory/v1/data/_create',
      jsonBody(
        'POST',
        { type: 'user', fileStoreId, hierarchyType: 'H', campaignId },
        await bearer('2'),
      ),
    )
    expect(start.status).toBe(403)
  })
})

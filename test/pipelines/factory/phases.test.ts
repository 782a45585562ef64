import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJob } from '../../../pipelines/factory/factory-create.actor.js'
import { validateJob } from '../../../pipelines/factory/factory-validate.actor.js'
import { failJobs } from '../../../pipelines/factory/phases.js'
import { findJob } from '../../../storage/postgres/factory/factory-job.repository.js'
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
import { isolatedServices, type TestServices } from '../../support/services.js'
import { outboundAgent } from '../../../pipelines/outbound/outbound-agent.js'
import { localOutbound } from '../../support/outbound.js'

// No workers: the phases are called as their actors call them.
let s: TestServices
let t: ReturnType<typeof testApp>

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  await exampleBoundaries(t)
})
afterAll(async () => {
  t.close()
  await s.close()
})

describe('factory phases', () => {
  it('should resume a job failed by a dead letter when that entry is replayed', async () => {
    const campaignId = await projectCampaign(t, ['KA'])
    const fileStoreId = await keepFile(t, 'u.csv', csvOf([USER_HEADER, ...userRows(3)]))
    const res = await t.app.request(
      '/project-factory/v1/data/_create',
      jsonBody(
        'POST',
        { type: 'user', fileStoreId, hierarchyType: 'H', campaignId },
        await bearer('1', true),
      ),
    )
    const { id } = (await res.json()) as { id: string }
    const deps = scoringDeps(s)
    await failJobs(deps, [{ value: { jobId: id }, error: 'delivered 5 times: Postgres refused' }])
    expect(await findJob(s.db, id)).toMatchObject({
      status: 'failed',
      error: 'delivered 5 times: Postgres refused (replay the dead letter to resume the job)',
    })
    // The replayed entry reaches the phase it died in.
    expect((await validateJob(deps, id)).commit).toBeDefined()
    expect(await findJob(s.db, id)).toMatchObject({ status: 'creating', error: null })
    const dispatcher = outboundAgent(localOutbound)
    await createJob(deps, id, dispatcher)
    await dispatcher.close()
    expect(await findJob(s.db, id)).toMatchObject({ status: 'annotating' })
  })

  it('should list and replay the dead letters of a factory stream by its name', async () => {
    const res = await t.app.request('/dead-letters/factory:%7Bjobs%7D:create', {
      headers: await bearer('1', true),
    })
    expect(await res.json()).toMatchObject({ stream: 'factory:{jobs}:create', total: 0 })
  })
})

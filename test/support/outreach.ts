import { startWorkers, type Workers } from '../../pipelines/workers.js'
import type { PhoneRegion } from '../../operators/phone.rules.js'
import type { Clock } from '../../pipelines/runtime/clock.js'
import { bearer, jsonBody, testApp } from './app.js'
import { flowServer } from './flow-server.js'
import { exampleOutreach } from './example-outreach.js'
import { scoringDeps } from './scoring.js'
import { eventually, isolatedServices, type TestServices } from './services.js'

export { exampleOutreach }

type App = ReturnType<typeof testApp>['app']

/** Creates an outreach campaign through the API; returns its id. */
export async function createOutreach(
  app: App,
  admin: Record<string, string>,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await app.request(
    '/campaigns',
    jsonBody('POST', { ...exampleOutreach, ...overrides }, admin),
  )
  if (res.status !== 201) throw new Error(`campaign not created: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { campaignId: string }).campaignId
}

/** Uploads a CSV body to a campaign; returns the response. */
export function uploadCsv(
  app: App,
  admin: Record<string, string>,
  path: string,
  csv: string | Buffer,
): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: 'POST',
      body: csv,
      headers: { ...admin, 'content-type': 'text/csv' },
    }),
  )
}

/** An upload's status answer, as the tests read it. */
export interface UploadStatusBody {
  status: string
  rows: Record<string, number>
  numbers?: number
  cancelledTasks?: number
  errors: { row: number; column: string; code: string; message: string }[]
}

/** Everything an outreach pipeline test runs against. */
export interface OutreachHarness {
  s: TestServices
  t: ReturnType<typeof testApp>
  flow: Awaited<ReturnType<typeof flowServer>>
  workers: Workers
  admin: Record<string, string>
  /** Uploads a CSV (contacts or negatives) as the admin; returns its request id. */
  upload(path: string, csv: string): Promise<string>
  /** Waits until an upload is completed; returns its status. */
  completed(campaignId: string, requestId: string): Promise<UploadStatusBody>
  close(): Promise<void>
}

/**
 * Isolated services, the app, a local flow server and the outreach actors on `clock`; `settings`
 * apply to both the app and the workers.
 */
export async function outreachHarness(
  clock: Clock,
  answer?: Parameters<typeof flowServer>[0],
  settings: { phoneRegion?: PhoneRegion } = {},
): Promise<OutreachHarness> {
  const s = await isolatedServices()
  const t = testApp(s, clock, settings)
  const flow = await flowServer(answer)
  const workers = await startWorkers({ ...scoringDeps(s, clock), ...settings }, [
    'timers',
    'upload-split',
    'outreach-work',
    'executor',
  ])
  const admin = await bearer('1', true)
  return {
    s,
    t,
    flow,
    workers,
    admin,
    upload: async (path, csv) =>
      ((await (await uploadCsv(t.app, admin, path, csv)).json()) as { requestId: string })
        .requestId,
    completed: (campaignId, requestId) =>
      eventually(async () => {
        const res = await t.app.request(`/campaigns/${campaignId}/uploads/${requestId}`, {
          headers: admin,
        })
        const body = (await res.json()) as UploadStatusBody
        return body.status === 'completed' ? body : undefined
      }),
    close: async () => {
      await workers.stop()
      await flow.close()
      t.close()
      await s.close()
    },
  }
}

/** Sends a do-not-call CSV and waits until its numbers are added; returns the import. */
export async function importDoNotCallList(
  app: App,
  admin: Record<string, string>,
  csv: string,
): Promise<{ importId: string; status: string; rows: object; invalid: object[] }> {
  const res = await uploadCsv(app, admin, '/do-not-call', csv)
  if (res.status !== 202) throw new Error(`not accepted: ${res.status} ${await res.text()}`)
  const location = res.headers.get('location') ?? ''
  return eventually(async () => {
    const body = (await (await app.request(location, { headers: admin })).json()) as {
      importId: string
      status: string
      rows: object
      invalid: object[]
    }
    return body.status === 'completed' ? body : undefined
  })
}

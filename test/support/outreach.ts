import type { testApp } from './app.js'
import { jsonBody } from './app.js'

type App = ReturnType<typeof testApp>['app']

/** The outreach campaign of the example; tests override what they need. */
export const exampleOutreach = {
  type: 'outreach',
  name: 'Diwali reminder',
  timezone: 'Asia/Kolkata',
  workingHours: { start: '09:00', end: '21:00' },
  slots: [
    { start: '10:00', end: '12:00' },
    { start: '17:00', end: '19:00' },
  ],
  startDate: '2026-11-22',
  days: 30,
  flow: {
    url: 'http://127.0.0.1:4000/flow',
    timeoutMs: 10000,
    maxAttempts: 3,
    retryDelaySeconds: 600,
  },
  ratePerSecond: 50,
}

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

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from '../support/app.js'
import { isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
})
afterAll(async () => {
  t.close()
  await s.close()
})

/** `value` with every object's keys in order, so the snapshot does not depend on mount order. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortedKeys(v)]),
  )
}

describe('the HTTP contract', () => {
  it('should keep /openapi.json as committed (paths, methods, parameters and schemas)', async () => {
    const doc: unknown = await (await t.app.request('/openapi.json')).json()
    await expect(`${JSON.stringify(sortedKeys(doc), null, 2)}\n`).toMatchFileSnapshot(
      './openapi.snapshot.json',
    )
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from '../support/app.js'
import { isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

describe('CORS', () => {
  it('should let the configured origins call the API from a browser, and no other', async () => {
    const t = testApp(s, undefined, { corsOrigins: ['https://shop.example.com'] })
    try {
      const preflight = await t.app.request('/records/stream/1', {
        method: 'OPTIONS',
        headers: {
          origin: 'https://shop.example.com',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'last-event-id',
        },
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example.com')
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Last-Event-ID/i)
      const get = await t.app.request('/healthz', {
        headers: { origin: 'https://shop.example.com' },
      })
      expect(get.headers.get('access-control-allow-origin')).toBe('https://shop.example.com')
      expect(get.headers.get('access-control-expose-headers')).toMatch(/Location/)
      const other = await t.app.request('/healthz', { headers: { origin: 'https://evil.example' } })
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      t.close()
    }
  })

  it('should send no CORS headers unless origins are configured', async () => {
    const t = testApp(s)
    try {
      const res = await t.app.request('/healthz', {
        headers: { origin: 'https://shop.example.com' },
      })
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      t.close()
    }
  })
})

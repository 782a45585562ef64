import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.js'

describe('loadConfig', () => {
  it('should fall back to the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/campaign_streams',
      PORT: 3000,
      BASE_CURRENCY: 'USD',
      KEY_PREFIX: '',
      LOG_LEVEL: 'info',
      STREAM_RETENTION_SECONDS: 86_400,
      CORS_ORIGINS: [],
    })
  })

  it('should read CORS_ORIGINS as a list of origins, or *', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173' }).CORS_ORIGINS,
    ).toEqual(['https://shop.example.com', 'http://localhost:5173'])
    expect(loadConfig({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*'])
    expect(() => loadConfig({ CORS_ORIGINS: 'https://shop.example.com/path' })).toThrow(
      /^invalid environment: CORS_ORIGINS\.0: each must be \* or an origin/,
    )
  })

  it('should read OUTBOUND_ALLOW as a policy, any public address when unset', () => {
    expect(loadConfig({}).OUTBOUND_ALLOW).toMatchObject({ anyPublic: true, cidrs: [] })
    const local = loadConfig({ OUTBOUND_ALLOW: '127.0.0.1, flow.example.com' }).OUTBOUND_ALLOW
    expect(local.anyPublic).toBe(false)
    expect([...local.hosts]).toEqual(['flow.example.com'])
    expect(() => loadConfig({ OUTBOUND_ALLOW: 'http://x,ok.example.com' })).toThrow(
      /^invalid environment: OUTBOUND_ALLOW: each must be a host, \*\.domain, an address, a CIDR or \*; not http:\/\/x/,
    )
  })

  it('should take PHONE_REGION only for a region whose numbering plan is known', () => {
    expect(loadConfig({}).PHONE_REGION).toBeUndefined()
    expect(loadConfig({ PHONE_REGION: 'IN' }).PHONE_REGION).toBe('IN')
    expect(() => loadConfig({ PHONE_REGION: 'XX' })).toThrow(
      /^invalid environment: PHONE_REGION: must be a region code with a known numbering plan/,
    )
  })

  it('should name every bad variable and its problem, one line each', () => {
    expect(() =>
      loadConfig({ PORT: 'eighty', BASE_CURRENCY: 'euro', REDIS_URL: 'http://x' }),
    ).toThrow(
      /^invalid environment: REDIS_URL: .+\ninvalid environment: PORT: .+\ninvalid environment: BASE_CURRENCY: must be an ISO 4217 code such as USD$/,
    )
  })
})

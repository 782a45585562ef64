import { describe, expect, it } from 'vitest'
import {
  addressProblem,
  outboundPolicy,
  parseOutboundAllow,
  urlProblem,
} from '../../operators/outbound.rules.js'

const policy = outboundPolicy
const publicOnly = policy(undefined)

describe('parseOutboundAllow', () => {
  it('should read hosts, patterns, addresses, CIDRs and *, and name what it cannot read', () => {
    const p = policy(' flow.example.com, *.hooks.example.net ,10.0.0.0/8,127.0.0.1, fd12::/16 ')
    expect(p.anyPublic).toBe(false)
    expect([...p.hosts]).toEqual(['flow.example.com'])
    expect(p.suffixes).toEqual(['.hooks.example.net'])
    expect(p.cidrs).toHaveLength(3)
    expect(policy('*').anyPublic).toBe(true)
    expect(publicOnly.anyPublic).toBe(true)
    expect(parseOutboundAllow('ok.example.com,http://x,10.0.0.0/99,a b')).toEqual({
      invalid: ['http://x', '10.0.0.0/99', 'a b'],
    })
  })
})

describe('urlProblem', () => {
  it('should refuse metadata, link-local, unspecified and internal addresses however they are written', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://2852039166/',
      'http://0xA9FEA9FE/',
      'http://0251.0376.0251.0376/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://100.100.100.200/',
      'http://0.0.0.0:6379/',
      'http://[::]/',
      'http://[fe80::1]/',
      'http://localhost:6379/',
      'http://127.0.0.1:5432/',
      'http://[::1]/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://[fd12::1]/',
      'http://[::ffff:127.0.0.1]/',
    ])
      expect({ url, problem: urlProblem(publicOnly, url) }).toEqual({
        url,
        problem: expect.any(String) as string,
      })
  })

  it('should refuse other schemes and credentials in the URL', () => {
    expect(urlProblem(publicOnly, 'ftp://flow.example.com/')).toBe('must be an http(s) URL')
    expect(urlProblem(publicOnly, 'file:///etc/passwd')).toBe('must be an http(s) URL')
    expect(urlProblem(publicOnly, 'http://user:pass@flow.example.com/')).toMatch(/user or password/)
    expect(urlProblem(publicOnly, 'not a url')).toMatch(/absolute/)
  })

  it('should take public hosts by default, and only the listed ones once a list is set', () => {
    expect(urlProblem(publicOnly, 'https://flow.example.com/run')).toBeUndefined()
    expect(urlProblem(publicOnly, 'https://93.184.216.34/run')).toBeUndefined()
    const listed = policy('flow.example.com,*.hooks.example.net')
    expect(urlProblem(listed, 'https://flow.example.com/run')).toBeUndefined()
    expect(urlProblem(listed, 'https://a.hooks.example.net/run')).toBeUndefined()
    expect(urlProblem(listed, 'https://other.example.com/run')).toBe(
      'other.example.com is not in OUTBOUND_ALLOW',
    )
    expect(urlProblem(listed, 'https://93.184.216.34/')).toBe(
      '93.184.216.34 is not in OUTBOUND_ALLOW',
    )
  })

  it('should open loopback and private ranges only as the list names them, never link-local', () => {
    const local = policy('127.0.0.1,localhost,10.0.0.0/8,169.254.0.0/16')
    expect(urlProblem(local, 'http://127.0.0.1:4000/flow')).toBeUndefined()
    expect(urlProblem(local, 'http://localhost:4000/flow')).toBeUndefined()
    expect(urlProblem(local, 'http://10.9.8.7/flow')).toBeUndefined()
    expect(urlProblem(local, 'http://127.0.0.2/flow')).toMatch(/loopback/)
    expect(urlProblem(local, 'http://192.168.1.1/flow')).toMatch(/private/)
    expect(urlProblem(local, 'http://169.254.169.254/')).toMatch(/link-local address, never called/)
  })
})

describe('addressProblem', () => {
  it('should judge the address a name resolved to', () => {
    const p = policy('flow.internal,*.example.com')
    expect(addressProblem(p, 'flow.internal', '10.0.0.5')).toBeUndefined()
    // A pattern does not open internal ranges: a public name may not rebind to one.
    expect(addressProblem(p, 'a.example.com', '10.0.0.5')).toMatch(/private/)
    expect(addressProblem(p, 'a.example.com', '93.184.216.34')).toBeUndefined()
    expect(addressProblem(p, 'flow.internal', '169.254.169.254')).toMatch(/never called/)
    expect(addressProblem(publicOnly, 'rebind.example', '127.0.0.1')).toMatch(/loopback/)
    expect(addressProblem(publicOnly, 'rebind.example', '::ffff:7f00:1')).toMatch(/loopback/)
  })
})

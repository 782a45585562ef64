import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import { Agent, buildConnector } from 'undici'
import { addressProblem, type OutboundPolicy } from '../../operators/outbound.rules.js'

/** A connection the outbound policy refused: the call fails, nothing was sent. */
export class OutboundRefused extends Error {
  override readonly name = 'OutboundRefused'
  readonly code = 'OUTBOUND_REFUSED'
}

/**
 * A DNS lookup that answers only the addresses `policy` allows for `hostname`, so that a name
 * cannot resolve (or rebind) past it: the socket connects to what was checked.
 */
export function policyLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, '', 0)
        return
      }
      const problems = addresses.map((a) => addressProblem(policy, hostname, a.address))
      const allowed = addresses.filter((_, i) => problems[i] === undefined)
      const first = allowed[0]
      if (first === undefined) {
        callback(new OutboundRefused(`${hostname}: ${problems[0] ?? 'no address'}`), '', 0)
        return
      }
      if (options.all === true)
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed)
      else callback(null, first.address, first.family)
    })
  }
}

/**
 * An undici dispatcher that connects only where `policy` allows, checked on the address at
 * connect time: a host given as an address directly, a name through {@link policyLookup}. Every
 * outgoing HTTP call goes through one (flow calls now; factory and replay targets too).
 */
export function outboundAgent(
  policy: OutboundPolicy,
  options: Omit<Agent.Options, 'connect'> = {},
): Agent {
  const connector = buildConnector({ lookup: policyLookup(policy) })
  return new Agent({
    ...options,
    connect: (opts, callback) => {
      const host = opts.hostname.replace(/^\[|\]$/g, '')
      const problem = isIP(host) === 0 ? undefined : addressProblem(policy, host, host)
      if (problem !== undefined) callback(new OutboundRefused(problem), null)
      else connector(opts, callback)
    },
  })
}

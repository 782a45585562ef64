import { parseOutboundAllow, type OutboundPolicy } from '../../operators/outbound.rules.js'

/** The outbound policy of tests: their flow endpoints and target servers listen on loopback. */
export const localOutbound: OutboundPolicy = (() => {
  const parsed = parseOutboundAllow('127.0.0.0/8,localhost')
  if (!('policy' in parsed)) throw new Error(`invalid OUTBOUND_ALLOW: ${parsed.invalid.join(', ')}`)
  return parsed.policy
})()

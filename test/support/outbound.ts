import { outboundPolicy, type OutboundPolicy } from '../../operators/outbound.rules.js'

/** The outbound policy of tests: their flow endpoints and target servers listen on loopback. */
export const localOutbound: OutboundPolicy = outboundPolicy('127.0.0.0/8,localhost')

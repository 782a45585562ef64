import ipaddr from 'ipaddr.js'

/**
 * Where outgoing HTTP calls may go (`OUTBOUND_ALLOW`): host names (`flow.example.com`), host
 * patterns (`*.example.com`: any name under it), addresses and CIDRs (`10.1.2.3`,
 * `10.0.0.0/8`, `fd12::/16`), and `*` for any public address. Empty: any public address.
 */
export interface OutboundPolicy {
  /** Any public address, whatever its host (unset, or `*` listed). */
  anyPublic: boolean
  hosts: ReadonlySet<string>
  /** Suffixes of `*.` patterns, with their dot (`.example.com`). */
  suffixes: readonly string[]
  cidrs: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][]
}

/** Host names of cloud metadata services: never called, whatever the allow-list says. */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
])
/** Metadata addresses outside the link-local range (AWS over IPv6, Alibaba Cloud). */
const METADATA_ADDRESSES = new Set(
  ['fd00:ec2::254', '100.100.100.200'].map((a) => ipaddr.parse(a).toNormalizedString()),
)

/** Ranges never called: nothing there is a service to call, or it is the cloud's own. */
const NEVER = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'reserved'])
/** Ranges called only when the allow-list names the host or a CIDR holding the address. */
const INTERNAL = new Set([
  'loopback',
  'private',
  'uniqueLocal',
  'carrierGradeNat',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
])

/** Ranges as the refusals name them. */
const RANGE_NAMES: Record<string, string> = {
  linkLocal: 'link-local',
  uniqueLocal: 'unique local',
  carrierGradeNat: 'carrier-grade NAT',
}

/** Host names as compared: lower case, without a trailing dot. */
const hostKey = (host: string) => host.toLowerCase().replace(/\.$/, '')

/** The policy an `OUTBOUND_ALLOW` value spells, or the entries it cannot read. */
export function parseOutboundAllow(
  text: string | undefined,
): { policy: OutboundPolicy } | { invalid: string[] } {
  const entries = (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
  const hosts = new Set<string>()
  const suffixes: string[] = []
  const cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][] = []
  const invalid: string[] = []
  let anyPublic = entries.length === 0
  for (const entry of entries) {
    if (entry === '*') anyPublic = true
    else if (ipaddr.isValidCIDR(entry)) cidrs.push(ipaddr.parseCIDR(entry))
    else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry)
      cidrs.push([address, address.kind() === 'ipv4' ? 32 : 128])
    } else if (/^\*\.[a-z0-9.-]+$/i.test(entry)) suffixes.push(hostKey(entry.slice(1)))
    else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(entry)) hosts.add(hostKey(entry))
    else invalid.push(entry)
  }
  return invalid.length > 0 ? { invalid } : { policy: { anyPublic, hosts, suffixes, cidrs } }
}

/** The policy `text` spells; a RangeError naming what it cannot read (for values known good). */
export function outboundPolicy(text: string | undefined): OutboundPolicy {
  const parsed = parseOutboundAllow(text)
  if ('policy' in parsed) return parsed.policy
  throw new RangeError(`not an OUTBOUND_ALLOW entry: ${parsed.invalid.join(', ')}`)
}

/** Whether the allow-list names `host` itself (a host entry, or a pattern it falls under). */
function namesHost(policy: OutboundPolicy, host: string): 'exactly' | 'by pattern' | undefined {
  const key = hostKey(host)
  if (policy.hosts.has(key)) return 'exactly'
  return policy.suffixes.some((s) => key.endsWith(s)) ? 'by pattern' : undefined
}

/** An address as ipaddr reads it, IPv4-mapped IPv6 (`::ffff:a9fe:a9fe`) as its IPv4. */
function addressOf(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.replace(/^\[|\]$/g, '')
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined
}

const inCidrs = (policy: OutboundPolicy, address: ipaddr.IPv4 | ipaddr.IPv6) =>
  policy.cidrs.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits))

/**
 * Why a call to `address` (what `host` resolved to, or `host` itself when it is an address) is
 * refused; undefined when it may go. Link-local, metadata, unspecified, broadcast, multicast and
 * reserved addresses never; loopback and private ranges only when the allow-list names the host
 * exactly or a CIDR holding the address; public ones when any public address may be called, or
 * the allow-list names the host or the address.
 */
export function addressProblem(
  policy: OutboundPolicy,
  host: string,
  address: string,
): string | undefined {
  const ip = addressOf(address)
  if (ip === undefined) return `${address} is not an IP address`
  const range = ip.range()
  if (METADATA_ADDRESSES.has(ip.toNormalizedString()))
    return `${ip.toString()} is a cloud metadata address, never called`
  if (NEVER.has(range))
    return `${ip.toString()} is a ${RANGE_NAMES[range] ?? range} address, never called`
  const listed = inCidrs(policy, ip)
  const named = namesHost(policy, host)
  if (INTERNAL.has(range))
    return listed || named === 'exactly'
      ? undefined
      : `${ip.toString()} is a ${RANGE_NAMES[range] ?? range} address: OUTBOUND_ALLOW must name the host or a CIDR holding it`
  return policy.anyPublic || listed || named !== undefined
    ? undefined
    : `${host} is not in OUTBOUND_ALLOW`
}

/**
 * Why a URL saved for outgoing calls is refused; undefined when it may be saved. Only http(s),
 * no user or password in it, no metadata host, and its host allowed as far as can be told
 * without resolving it (an address host is checked as {@link addressProblem}); the address it
 * resolves to is checked again at every connection.
 */
export function urlProblem(policy: OutboundPolicy, text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'must be an absolute http(s) URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL'
  if (url.username !== '' || url.password !== '')
    return 'must not hold a user or password (send credentials as a header)'
  const host = url.hostname
  if (host === '') return 'must name a host'
  if (addressOf(host) !== undefined) return addressProblem(policy, host, host)
  if (METADATA_HOSTS.has(hostKey(host))) return `${host} is a cloud metadata service, never called`
  if (hostKey(host) === 'localhost' || hostKey(host).endsWith('.localhost'))
    return namesHost(policy, host) === 'exactly'
      ? undefined
      : `${host} is a loopback name: OUTBOUND_ALLOW must name it`
  if (policy.anyPublic || namesHost(policy, host) !== undefined || policy.cidrs.length > 0)
    return undefined
  return `${host} is not in OUTBOUND_ALLOW`
}

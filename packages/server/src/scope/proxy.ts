/**
 * Trusted proxies: which peers may tell us the real client address and scheme, and how to read
 * what they say (X-Forwarded-For, X-Forwarded-Proto, Forwarded).
 *
 * @module
 */
import { BlockList, isIP } from 'node:net'
import type { Address, HeaderList } from '@tsgi/protocol'
import { ServerError, ServerErrorCode } from '../errors.ts'

/** Decides whether a peer address is a trusted proxy. */
export interface TrustedProxies {
  /** Whether `address` (an IP, or `undefined` for a unix socket peer) is trusted. */
  trusts(address: string | undefined): boolean
}

/**
 * Builds the trust list from `--forwarded-allow-ips` entries: IPs, CIDRs (`10.0.0.0/8`), or `*`.
 * Unix socket peers are always trusted: only local processes can reach a unix socket.
 */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.includes('*')) return { trusts: () => true }
  const list = new BlockList()
  for (const entry of entries) {
    const [ip, bits] = entry.split('/') as [string, string | undefined]
    const family = isIP(ip)
    if (family === 0 || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new ServerError(
        ServerErrorCode.badOption,
        `invalid option forwardedAllowIps: not an IP or CIDR: ${JSON.stringify(entry)}`,
      )
    }
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (bits === undefined) list.addAddress(ip, type)
    else list.addSubnet(ip, Number(bits), type)
  }
  return {
    trusts(address) {
      if (address === undefined) return true
      const mapped =
        address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
      const family = isIP(mapped)
      return family !== 0 && list.check(mapped, family === 4 ? 'ipv4' : 'ipv6')
    },
  }
}

/** What trusted proxy headers said. */
export interface Forwarded {
  /** The client address, when a proxy named one. */
  client: Address | null
  /** `http` or `https`, when a proxy said. */
  proto: 'http' | 'https' | null
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value
}

/** Strips the port and IPv6 brackets from a `for=` node: `"[::1]:80"` → `::1`, `1.2.3.4:5` → `1.2.3.4`. */
function nodeHost(node: string): string {
  const value = unquote(node.trim())
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'))
  const colon = value.indexOf(':')
  return colon !== -1 && value.indexOf(':', colon + 1) === -1 ? value.slice(0, colon) : value
}

/**
 * Reads the forwarding headers of a request that came from a trusted peer. The client is the
 * right-most address in the chain that is not itself a trusted proxy (left-most when every hop
 * is trusted): entries further left were written by the client and cannot be believed.
 * `Forwarded` (RFC 7239) takes precedence over the X-Forwarded-* pair when present.
 */
export function readForwarded(headers: HeaderList, trust: TrustedProxies): Forwarded {
  let chain: string[] | null = null
  let proto: string | null = null
  const forwarded: string[] = []
  for (const [name, value] of headers) {
    if (name === 'forwarded') forwarded.push(value)
    else if (name === 'x-forwarded-for')
      chain = (chain ?? ([] as string[])).concat(value.split(','))
    else if (name === 'x-forwarded-proto') proto = value.split(',').at(-1)!.trim().toLowerCase()
  }
  if (forwarded.length > 0) {
    chain = []
    proto = null
    for (const element of forwarded.join(',').split(',')) {
      for (const pair of element.split(';')) {
        const eq = pair.indexOf('=')
        if (eq === -1) continue
        const key = pair.slice(0, eq).trim().toLowerCase()
        const value = pair.slice(eq + 1)
        if (key === 'for') chain.push(value)
        else if (key === 'proto') proto = unquote(value.trim()).toLowerCase()
      }
    }
  }
  let client: Address | null = null
  if (chain && chain.length > 0) {
    const hosts = chain.map(nodeHost).filter((h) => h !== '')
    let pick = hosts[0]
    for (let i = hosts.length - 1; i >= 0; i--) {
      if (!trust.trusts(hosts[i])) {
        pick = hosts[i]
        break
      }
    }
    // The proxy does not tell the client's port: 0 says "unknown".
    if (pick) client = { host: pick, port: 0 }
  }
  return { client, proto: proto === 'https' || proto === 'http' ? proto : null }
}

/** Trusted proxies: the forwarding headers are believed only from trusted peers. */
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { readForwarded, trustedProxies } from '../src/scope/proxy.ts'
import { scopeEcho, startServer, type TestServer } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('trustedProxies', () => {
  test('IPs, CIDRs, IPv4-mapped IPv6, unix socket peers and *', () => {
    const t = trustedProxies(['10.0.0.0/8', '192.168.1.5', '::1'])
    expect(t.trusts('10.1.2.3')).toBe(true)
    expect(t.trusts('::ffff:10.1.2.3')).toBe(true)
    expect(t.trusts('192.168.1.5')).toBe(true)
    expect(t.trusts('192.168.1.6')).toBe(false)
    expect(t.trusts('::1')).toBe(true)
    expect(t.trusts('not-an-ip')).toBe(false)
    expect(t.trusts(undefined)).toBe(true)
    expect(trustedProxies(['*']).trusts('8.8.8.8')).toBe(true)
  })

  test('an entry that is not an IP or CIDR is a TSGI_SERVER_ERR_OPTION', () => {
    expect(() => trustedProxies(['localhost'])).toThrow(/not an IP or CIDR: "localhost"/)
    expect(() => trustedProxies(['10.0.0.0/x'])).toThrow(
      expect.objectContaining({ code: 'TSGI_SERVER_ERR_OPTION' }),
    )
  })
})

describe('readForwarded', () => {
  const trust = trustedProxies(['10.0.0.0/8'])
  test('X-Forwarded-For: the right-most untrusted address wins, spoofed left entries are ignored', () => {
    const f = readForwarded(
      [
        ['x-forwarded-for', '6.6.6.6, 1.2.3.4'],
        ['x-forwarded-for', '10.0.0.2'],
        ['x-forwarded-proto', 'http, HTTPS'],
      ],
      trust,
    )
    expect(f).toEqual({ client: { host: '1.2.3.4', port: 0 }, proto: 'https' })
  })

  test('every hop trusted: the left-most address', () => {
    expect(readForwarded([['x-forwarded-for', '10.0.0.9, 10.0.0.2']], trust).client?.host).toBe(
      '10.0.0.9',
    )
  })

  test('Forwarded (RFC 7239) takes precedence, with quoted IPv6 and ports', () => {
    const f = readForwarded(
      [
        ['x-forwarded-for', '9.9.9.9'],
        ['forwarded', 'for="[2001:db8::1]:4711";proto=https, for=10.0.0.3'],
      ],
      trust,
    )
    expect(f).toEqual({ client: { host: '2001:db8::1', port: 0 }, proto: 'https' })
    expect(readForwarded([['forwarded', 'for=1.2.3.4:80;proto=gopher']], trust)).toEqual({
      client: { host: '1.2.3.4', port: 0 },
      proto: null,
    })
  })

  test('no forwarding headers: nothing', () => {
    expect(readForwarded([['host', 'h']], trust)).toEqual({ client: null, proto: null })
  })
})

describe('proxyHeaders over the wire', () => {
  const headers = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' }

  test('from a trusted peer: client and scheme come from the headers', async () => {
    server = await startServer(scopeEcho, { proxyHeaders: true })
    const scope = (await (await request(`${server.url}/`, { headers })).body.json()) as {
      client: unknown
      scheme: string
    }
    expect(scope.client).toEqual({ host: '203.0.113.7', port: 0 })
    expect(scope.scheme).toBe('https')
  })

  test('from an untrusted peer: the headers are ignored', async () => {
    server = await startServer(scopeEcho, { proxyHeaders: true, forwardedAllowIps: ['10.0.0.1'] })
    const scope = (await (await request(`${server.url}/`, { headers })).body.json()) as {
      client: { host: string }
      scheme: string
    }
    expect(scope.client.host).toBe('127.0.0.1')
    expect(scope.scheme).toBe('http')
  })

  test('proxyHeaders off: the headers are ignored even from a trusted peer', async () => {
    server = await startServer(scopeEcho)
    const scope = (await (await request(`${server.url}/`, { headers })).body.json()) as {
      client: { host: string }
    }
    expect(scope.client.host).toBe('127.0.0.1')
  })
})

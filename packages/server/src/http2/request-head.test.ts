import { describe, expect, test } from 'vitest'
import { h2RequestFields } from './request-head.ts'

const base = [':method', 'GET', ':scheme', 'https', ':authority', 'example.com', ':path', '/']

/** The header block `base` with `[name, value]` pairs changed or added. */
function block(overrides: Record<string, string | null>, extra: string[] = []): string[] {
  const out: string[] = []
  for (let i = 0; i < base.length; i += 2) {
    const name = base[i]!
    const value = name in overrides ? overrides[name] : base[i + 1]!
    if (value !== null && value !== undefined) out.push(name, value)
  }
  return out.concat(extra)
}

function reason(raw: string[]): string {
  const head = h2RequestFields(raw, 'https')
  if (head.kind !== 'malformed') throw new Error(`expected malformed, got ${JSON.stringify(head)}`)
  return head.reason
}

describe('h2RequestFields: the scope fields', () => {
  test('method, path, rawPath, queryString, host from :authority first, pseudo-headers gone', () => {
    const head = h2RequestFields(
      block({ ':path': '/caf%C3%A9/x?a=1&b=%20' }, ['accept', '*/*', 'x-a', '1']),
      'http',
      '/root',
    )
    expect(head).toEqual({
      kind: 'request',
      method: 'GET',
      scheme: 'http',
      path: '/root/café/x',
      rawPath: '/root/caf%C3%A9/x',
      queryString: 'a=1&b=%20',
      headers: [
        ['host', 'example.com'],
        ['accept', '*/*'],
        ['x-a', '1'],
      ],
      contentLength: -1,
    })
  })

  test('scheme is the connection one, whatever :scheme says', () => {
    const head = h2RequestFields(block({ ':scheme': 'https' }), 'http')
    expect(head.kind === 'request' && head.scheme).toBe('http')
    // Pseudo-headers only: the host from :authority is the one field.
    expect(head.kind === 'request' && head.headers).toEqual([['host', 'example.com']])
  })

  test('a host field equal to :authority is folded into the one host entry, first', () => {
    const head = h2RequestFields(block({}, ['a', '1', 'host', 'EXAMPLE.com']), 'https')
    expect(head.kind === 'request' && head.headers).toEqual([
      ['host', 'example.com'],
      ['a', '1'],
    ])
  })

  test('without :authority, the host field is kept (first); without either, no host', () => {
    const withHost = h2RequestFields(
      block({ ':authority': null }, ['a', '1', 'host', 'h:1']),
      'https',
    )
    expect(withHost.kind === 'request' && withHost.headers).toEqual([
      ['host', 'h:1'],
      ['a', '1'],
    ])
    const none = h2RequestFields(block({ ':authority': null }, ['a', '1']), 'https')
    expect(none.kind === 'request' && none.headers).toEqual([['a', '1']])
  })

  test('cookie crumbs are joined with "; " at the first cookie position (§8.2.3)', () => {
    const head = h2RequestFields(block({}, ['cookie', 'a=1', 'x', 'y', 'cookie', 'b=2']), 'https')
    expect(head.kind === 'request' && head.headers).toEqual([
      ['host', 'example.com'],
      ['cookie', 'a=1; b=2'],
      ['x', 'y'],
    ])
  })

  test('content-length is read; te: trailers and OPTIONS * are allowed', () => {
    const head = h2RequestFields(block({}, ['content-length', '12', 'te', 'trailers']), 'https')
    expect(head.kind === 'request' && head.contentLength).toBe(12)
    const star = h2RequestFields(block({ ':method': 'OPTIONS', ':path': '*' }), 'https')
    expect(star.kind === 'request' && star.rawPath).toBe('*')
  })
})

describe('h2RequestFields: malformed requests (stream error PROTOCOL_ERROR)', () => {
  test.each(['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade'])(
    'connection-specific field %s (§8.2.2)',
    (name) => {
      expect(reason(block({}, [name, 'x']))).toBe(`connection-specific header field ${name}`)
    },
  )

  test('te other than trailers (§8.2.2)', () => {
    expect(reason(block({}, ['te', 'gzip']))).toBe('te other than trailers')
  })

  test('missing, duplicate, unknown and late pseudo-headers (§8.3)', () => {
    expect(reason(block({ ':method': null }))).toBe('missing :method')
    expect(reason(block({ ':scheme': null }))).toBe('missing :scheme')
    expect(reason(block({ ':path': null }))).toBe('missing :path')
    expect(reason(block({ ':path': '' }))).toBe('missing :path')
    expect(reason([...base, ':path', '/again'])).toBe('more than one :path')
    expect(reason(block({}, [':status', '200']))).toBe('unknown pseudo-header :status in a request')
    expect(reason(['a', '1', ...base])).toBe('pseudo-header :method after a regular field')
    expect(reason(block({}, [':protocol', 'websocket']))).toBe(
      'extended CONNECT (:protocol) is not enabled',
    )
  })

  test('invalid :method, :scheme, :path, :authority', () => {
    expect(reason(block({ ':method': 'G T' }))).toBe('invalid :method')
    expect(reason(block({ ':scheme': '1http' }))).toBe('invalid :scheme')
    expect(reason(block({ ':path': 'http://a/b' }))).toBe('invalid :path')
    expect(reason(block({ ':path': '/a#frag' }))).toBe('invalid :path')
    expect(reason(block({ ':path': '/a b' }))).toBe('invalid :path')
    expect(reason(block({ ':path': '*' }))).toBe('the asterisk :path is only for OPTIONS')
    expect(reason(block({ ':authority': 'user@example.com' }))).toBe('invalid :authority')
  })

  test('a host that names another entity than :authority (§8.3.1)', () => {
    expect(reason(block({}, ['host', 'other.example']))).toBe('host differs from :authority')
  })

  test('bad or conflicting content-length', () => {
    expect(reason(block({}, ['content-length', '1x']))).toBe('invalid content-length')
    expect(reason(block({}, ['content-length', '1', 'content-length', '2']))).toBe(
      'conflicting content-length fields',
    )
  })

  test('CONNECT carrying :scheme or :path, or no :authority (§8.5)', () => {
    expect(reason([':method', 'CONNECT', ':authority', 'a:443', ':path', '/'])).toBe(
      'CONNECT with :scheme or :path',
    )
    expect(reason([':method', 'CONNECT'])).toBe('CONNECT without :authority')
  })
})

describe('h2RequestFields: well-formed requests the server answers itself', () => {
  test('CONNECT: 501, as over HTTP/1.1', () => {
    expect(h2RequestFields([':method', 'CONNECT', ':authority', 'a:443'], 'https')).toEqual({
      kind: 'refuse',
      status: 501,
      reason: 'CONNECT is not supported',
    })
  })

  test('two host fields, or an invalid one without :authority: 400', () => {
    expect(
      h2RequestFields(block({ ':authority': null }, ['host', 'a', 'host', 'a']), 'https'),
    ).toMatchObject({ kind: 'refuse', status: 400, reason: 'more than one Host header' })
    expect(h2RequestFields(block({ ':authority': null }, ['host', 'a/b']), 'https')).toMatchObject({
      kind: 'refuse',
      status: 400,
      reason: 'invalid Host header',
    })
  })
})

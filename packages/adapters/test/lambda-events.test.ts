/**
 * toLambda(app) with each event shape (API Gateway v1 and v2, Function URL, ALB with and
 * without multi-value headers): the scope the app sees and the result the integration gets.
 * Lambda has no local emulator, so there is no "over a real socket" run: the events are
 * hand-written after the AWS documentation (test/lambda-events/).
 */
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import {
  type ALBResult,
  type APIGatewayProxyResultV1,
  type APIGatewayProxyResultV2,
  LambdaAdapterError,
  toLambda,
} from '../src/lambda/index.ts'
import { type Echo, type EventName, echoApp, sampleEvent } from './lambda-helpers.ts'

const handler = toLambda(echoApp, { lifespan: 'off' })

async function echo(event: unknown): Promise<Echo> {
  const result = (await handler(event)) as { body: string; statusCode: number }
  expect(result.statusCode).toBe(200)
  return JSON.parse(result.body) as Echo
}

const header = (e: Echo, name: string) => e.headers.filter(([n]) => n === name).map(([, v]) => v)

describe('API Gateway REST API (payload 1.0)', () => {
  it('reads method, path with the stage as rootPath, query, headers, client and server', async () => {
    const e = await echo(sampleEvent('apigw-v1'))
    expect(e).toMatchObject({
      method: 'GET',
      rawPath: '/prod/users/42',
      path: '/prod/users/42',
      rootPath: '/prod',
      scheme: 'https',
      httpVersion: '1.1',
      client: { host: '198.51.100.7', port: 0 },
      server: { host: 'abc123.execute-api.us-east-1.amazonaws.com', port: 443 },
      source: 'apigw-v1',
      body: '',
    })
    // Decoded values re-encoded; multi values in order.
    expect(e.queryString).toBe('q=a%20b%2Fc&tag=x&tag=y')
    expect(header(e, 'x-tag')).toEqual(['a', 'b'])
    expect(header(e, 'cookie')).toEqual(['session=abc; theme=dark'])
    expect(header(e, 'host')).toEqual(['abc123.execute-api.us-east-1.amazonaws.com'])
    expect(e.headers.every(([n]) => n === n.toLowerCase())).toBe(true)
  })

  it('falls back to headers and queryStringParameters without the multi-value maps', async () => {
    const event = sampleEvent('apigw-v1')
    delete event.multiValueHeaders
    delete event.multiValueQueryStringParameters
    const e = await echo(event)
    expect(header(e, 'x-tag')).toEqual(['b'])
    expect(e.queryString).toBe('q=a%20b%2Fc&tag=y')
  })

  it('keeps a custom domain path (no stage in front) with rootPath ""', async () => {
    const event = sampleEvent('apigw-v1')
    event.requestContext.path = '/users/42'
    const e = await echo(event)
    expect([e.rawPath, e.rootPath]).toEqual(['/users/42', ''])
  })

  it('takes a base path mapping of a custom domain as rootPath', async () => {
    const event = sampleEvent('apigw-v1')
    event.requestContext.path = '/api/v1/users/42'
    const e = await echo(event)
    expect([e.rawPath, e.rootPath]).toEqual(['/api/v1/users/42', '/api/v1'])
  })

  it('takes the stage as rootPath when the path itself begins with it', async () => {
    const event = sampleEvent('apigw-v1')
    delete event.requestContext.path
    event.path = '/prod/users/42'
    const e = await echo(event)
    expect([e.rawPath, e.rootPath]).toEqual(['/prod/users/42', '/prod'])
  })

  it('handles the root resource with and without a trailing slash', async () => {
    const event = sampleEvent('apigw-v1')
    event.path = '/'
    event.requestContext.path = '/prod/'
    expect(await echo(event)).toMatchObject({ rawPath: '/prod/', rootPath: '/prod' })
    event.requestContext.path = '/prod'
    expect(await echo(event)).toMatchObject({ rawPath: '/prod', rootPath: '/prod' })
  })

  it('stripStage: false keeps the stage in the route; rootPath fixes the prefix', async () => {
    const kept = toLambda(echoApp, { lifespan: 'off', stripStage: false })
    const e1 = JSON.parse(((await kept(sampleEvent('apigw-v1'))) as { body: string }).body) as Echo
    expect([e1.rawPath, e1.rootPath]).toEqual(['/prod/users/42', ''])
    const fixed = toLambda(echoApp, { lifespan: 'off', rootPath: '/prod/users/' })
    const e2 = JSON.parse(((await fixed(sampleEvent('apigw-v1'))) as { body: string }).body) as Echo
    expect(e2.rootPath).toBe('/prod/users')
    const other = toLambda(echoApp, { lifespan: 'off', rootPath: '/elsewhere' })
    const e3 = JSON.parse(((await other(sampleEvent('apigw-v1'))) as { body: string }).body) as Echo
    expect(e3.rootPath).toBe('')
  })

  it('percent-encodes what a decoded path holds, keeping valid escapes', async () => {
    const event = sampleEvent('apigw-v1')
    event.path = '/files/a b/é/100%/%41'
    event.requestContext.path = '/prod/files/a b/é/100%/%41'
    const e = await echo(event)
    expect(e.rawPath).toBe('/prod/files/a%20b/%C3%A9/100%25/%41')
    expect(e.path).toBe('/prod/files/a b/é/100%/A')
  })

  it('answers with multiValueHeaders, each set-cookie apart', async () => {
    const event = sampleEvent('apigw-v1')
    event.path = '/cookies'
    event.requestContext.path = '/prod/cookies'
    const result = (await handler(event)) as APIGatewayProxyResultV1
    expect(result).toEqual({
      statusCode: 201,
      multiValueHeaders: {
        'set-cookie': ['a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'b=2'],
        'x-multi': ['one', 'two'],
        'content-type': ['text/plain'],
      },
      body: 'cookies',
      isBase64Encoded: false,
    })
  })

  it('reads HTTP/2.0 and HTTP/1.0 as the scope http version', async () => {
    const event = sampleEvent('apigw-v1')
    event.requestContext.protocol = 'HTTP/2.0'
    expect((await echo(event)).httpVersion).toBe('2')
    event.requestContext.protocol = 'HTTP/1.0'
    expect((await echo(event)).httpVersion).toBe('1.0')
  })
})

describe.each(['apigw-v2', 'function-url'] as const)('%s (payload 2.0)', (name: EventName) => {
  it('reads the raw path and query, cookies as one cookie field, client and server', async () => {
    const event = sampleEvent(name)
    const e = await echo(event)
    const host = (event.headers as Record<string, string>).host
    expect(e).toMatchObject({
      method: 'GET',
      rawPath: '/users/42',
      path: '/users/42',
      rootPath: '',
      queryString: 'q=a%20b%2Fc&tag=x&tag=y',
      scheme: 'https',
      server: { host, port: 443 },
      source: name,
    })
    expect(e.client?.host).toBe(
      event.requestContext.http && (event.requestContext.http as { sourceIp: string }).sourceIp,
    )
    expect(header(e, 'cookie')).toEqual(['session=abc; theme=dark'])
    expect(header(e, 'x-tag')).toEqual(['a,b'])
  })

  it('answers with cookies apart and other duplicates joined', async () => {
    const event = sampleEvent(name)
    event.rawPath = '/cookies'
    const result = (await handler(event)) as APIGatewayProxyResultV2
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'x-multi': 'one, two', 'content-type': 'text/plain' },
      cookies: ['a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'b=2'],
      body: 'cookies',
      isBase64Encoded: false,
    })
  })

  it('adds host from requestContext.domainName when the headers lack it', async () => {
    const event = sampleEvent(name)
    const headers = event.headers as Record<string, string>
    delete headers.host
    const e = await echo(event)
    expect(header(e, 'host')).toEqual([event.requestContext.domainName])
  })

  it('has no cookie field without cookies', async () => {
    const event = sampleEvent(name)
    delete event.cookies
    expect(header(await echo(event), 'cookie')).toEqual([])
  })
})

describe('HTTP API with a named stage', () => {
  it('takes /{stage} as rootPath and keeps the raw path undecoded', async () => {
    const e = await echo(sampleEvent('apigw-v2-stage'))
    expect(e).toMatchObject({
      rawPath: '/dev/items/a%2Fb',
      path: '/dev/items/a/b',
      rootPath: '/dev',
      queryString: '',
    })
  })

  it('does not strip a stage the path does not begin with (custom domain)', async () => {
    const event = sampleEvent('apigw-v2-stage')
    event.rawPath = '/development/x'
    expect((await echo(event)).rootPath).toBe('')
  })
})

describe('ALB', () => {
  it('single-value: reads headers, the query as received, the client from x-forwarded-for', async () => {
    const e = await echo(sampleEvent('alb'))
    expect(e).toMatchObject({
      method: 'GET',
      rawPath: '/users/42',
      rootPath: '',
      queryString: 'q=a%20b%2Fc&tag=y',
      scheme: 'http',
      client: { host: '72.12.164.125', port: 0 },
      server: { host: 'lambda-alb-123578498.us-east-1.elb.amazonaws.com', port: 80 },
      source: 'alb',
    })
  })

  it('multi-value: each value apart', async () => {
    const e = await echo(sampleEvent('alb-multi'))
    expect(e.queryString).toBe('q=a%20b%2Fc&tag=x&tag=y')
    expect(header(e, 'x-tag')).toEqual(['a', 'b'])
    expect(e.scheme).toBe('https')
  })

  it('answers with multiValueHeaders exactly when the event had them, and a statusDescription', async () => {
    const multi = sampleEvent('alb-multi')
    multi.path = '/cookies'
    expect((await handler(multi)) as ALBResult).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      multiValueHeaders: {
        'set-cookie': ['a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'b=2'],
        'x-multi': ['one', 'two'],
        'content-type': ['text/plain'],
      },
      body: 'cookies',
      isBase64Encoded: false,
    })
    const single = sampleEvent('alb')
    single.path = '/cookies'
    // One value per name: the last Set-Cookie is the one an ALB can pass on.
    expect((await handler(single)) as ALBResult).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      headers: { 'set-cookie': 'b=2', 'x-multi': 'one, two', 'content-type': 'text/plain' },
      body: 'cookies',
      isBase64Encoded: false,
    })
  })

  it('gives a statusDescription with only the code for an unregistered status', async () => {
    const event = sampleEvent('alb')
    event.path = '/status/299'
    const result = (await handler(event)) as ALBResult
    expect([result.statusCode, result.statusDescription]).toEqual([299, '299'])
  })
})

describe('request bodies', () => {
  it.each(['apigw-v1', 'apigw-v2', 'function-url', 'alb', 'alb-multi'] as const)(
    '%s: a text body and a base64 body of all 256 byte values',
    async (name) => {
      const text = sampleEvent(name)
      Object.assign(text, { body: 'héllo', isBase64Encoded: false })
      if (name.startsWith('apigw-v2') || name === 'function-url')
        (text.requestContext.http as { method: string }).method = 'POST'
      else text.httpMethod = 'POST'
      const e1 = await echo(text)
      expect(e1.method).toBe('POST')
      expect(Buffer.from(e1.body, 'base64').toString('utf8')).toBe('héllo')
      expect(header(e1, 'content-length')).toEqual([String(Buffer.byteLength('héllo'))])
      const binary = {
        ...text,
        body: Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => i)).toString('base64'),
        isBase64Encoded: true,
      }
      const e2 = await echo(binary)
      expect([...Buffer.from(e2.body, 'base64')]).toEqual(Array.from({ length: 256 }, (_, i) => i))
    },
  )

  it('replaces a transfer-encoding of the client request by the length of the whole body', async () => {
    const event = sampleEvent('apigw-v2')
    Object.assign(event, { body: 'abc' })
    const headers = event.headers as Record<string, string>
    delete headers['content-length']
    headers['transfer-encoding'] = 'chunked'
    const e = await echo(event)
    expect(header(e, 'transfer-encoding')).toEqual([])
    expect(header(e, 'content-length')).toEqual(['3'])
  })
})

describe('bad events', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a string', 'GET /', /the event must be an object, got string/],
    ['null', null, /got null/],
    ['an array', [], /got an array/],
    ['an SQS event', { Records: [] }, /not an HTTP event of a known shape.*has Records/],
    ['an empty object', {}, /has no fields/],
    [
      'v2 without requestContext',
      { version: '2.0', rawPath: '/' },
      /payload 2.0.*requestContext is missing/,
    ],
    [
      'v2 without http',
      { version: '2.0', rawPath: '/', requestContext: {} },
      /requestContext\.http is missing/,
    ],
    [
      'v2 without a method',
      { version: '2.0', rawPath: '/', requestContext: { http: {} } },
      /requestContext\.http\.method is missing/,
    ],
    [
      'v2 without rawPath',
      { version: '2.0', requestContext: { http: { method: 'GET' } } },
      /rawPath is missing/,
    ],
    [
      'v2 with cookies not an array',
      { version: '2.0', rawPath: '/', cookies: 'a=1', requestContext: { http: { method: 'GET' } } },
      /cookies is not an array/,
    ],
    [
      'v1 without requestContext',
      { httpMethod: 'GET', path: '/' },
      /REST event.*requestContext is missing/,
    ],
    ['v1 without a path', { httpMethod: 'GET', requestContext: {} }, /REST event.*path is missing/],
    [
      'v1 with a non-string body',
      { httpMethod: 'GET', path: '/', requestContext: {}, body: 42 },
      /body is a number, not a string/,
    ],
    [
      'v1 with a bad multiValueHeaders',
      { httpMethod: 'GET', path: '/', requestContext: {}, multiValueHeaders: { a: 'b' } },
      /multiValueHeaders\["a"\] is not an array/,
    ],
    [
      'v1 with bad headers',
      { httpMethod: 'GET', path: '/', requestContext: {}, headers: 'x' },
      /headers is not an object/,
    ],
    [
      'v1 with a bad multi-value query',
      {
        httpMethod: 'GET',
        path: '/',
        requestContext: {},
        multiValueQueryStringParameters: { a: 'b' },
      },
      /multiValueQueryStringParameters\["a"\] is not an array/,
    ],
    [
      'ALB without httpMethod',
      { requestContext: { elb: {} }, path: '/' },
      /ALB event.*httpMethod is missing/,
    ],
  ]
  it.each(cases)(
    'rejects %s with TSGI_ADAPTERS_ERR_LAMBDA_EVENT',
    async (_name, event, message) => {
      const error = await handler(event).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(LambdaAdapterError)
      expect((error as LambdaAdapterError).code).toBe('TSGI_ADAPTERS_ERR_LAMBDA_EVENT')
      expect((error as Error).message).toMatch(message)
    },
  )

  it('keeps answering after a bad event', async () => {
    await expect(handler({})).rejects.toThrow(LambdaAdapterError)
    expect((await echo(sampleEvent('apigw-v2'))).path).toBe('/users/42')
  })
})

describe('scope details', () => {
  const withHeaders = (headers: Record<string, string>) => {
    const event = sampleEvent('apigw-v2')
    event.headers = headers
    delete event.requestContext.domainName
    return event
  }

  it('server from a host with a port, an IPv6 literal, or none', async () => {
    expect((await echo(withHeaders({ host: 'example.test:8443' }))).server).toEqual({
      host: 'example.test',
      port: 8443,
    })
    expect((await echo(withHeaders({ host: '[2001:db8::1]' }))).server).toEqual({
      host: '[2001:db8::1]',
      port: 443,
    })
    const plain = await echo(withHeaders({ host: 'example.test', 'x-forwarded-proto': 'http' }))
    expect([plain.scheme, plain.server]).toEqual(['http', { host: 'example.test', port: 80 }])
    expect((await echo(withHeaders({}))).server).toBeNull()
  })

  it('a client is null when the integration names none', async () => {
    const event = sampleEvent('apigw-v1')
    event.requestContext.identity = null
    expect((await echo(event)).client).toBeNull()
  })

  it('encodes lone surrogates of decoded paths and parameters as U+FFFD', async () => {
    const event = sampleEvent('apigw-v1')
    delete event.requestContext.path
    event.path = '/a\ud800b'
    event.multiValueQueryStringParameters = { 'k\udc00': ['v'], skipped: null }
    const e = await echo(event)
    expect(e.rawPath).toBe('/a%EF%BF%BDb')
    expect(e.queryString).toBe('k%EF%BF%BD=v')
  })

  it('skips null header and parameter values', async () => {
    const event = sampleEvent('alb')
    event.headers = { host: 'h', 'x-null': null }
    event.queryStringParameters = { a: '1', b: null }
    const e = await echo(event)
    expect(header(e, 'x-null')).toEqual([])
    expect(e.queryString).toBe('a=1')
  })
})

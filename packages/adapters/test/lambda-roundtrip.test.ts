/**
 * Round trips TSGI scope → Lambda event → toLambda(app) → result → TSGI response, for each
 * event shape: what the inner app sees equals what the outer request carried, and checkApp
 * passes for both the plain test app and the round trip (so a failure here is the adapter's).
 */
import { Buffer } from 'node:buffer'
import { type Application, type HTTPScope, UnsupportedScopeError } from '@tsgi/protocol'
import { checkApp } from '@tsgi/protocol/conformance'
import { createTestClient } from '@tsgi/protocol/testing'
import { describe, expect, it } from 'vitest'
import { type LambdaHandler, toLambda } from '../src/lambda/index.ts'
import { type Echo, echoApp, readBody } from './lambda-helpers.ts'

type Shape = 'apigw-v1' | 'apigw-v2' | 'alb' | 'alb-multi'

function append(map: Record<string, string[]>, name: string, value: string): void {
  const values = map[name]
  if (values === undefined) map[name] = [value]
  else values.push(value)
}

function multi(scope: HTTPScope): Record<string, string[]> {
  const map: Record<string, string[]> = {}
  for (const [name, value] of scope.headers) append(map, name, value)
  return map
}

function single(scope: HTTPScope): Record<string, string> {
  return Object.fromEntries(Object.entries(multi(scope)).map(([n, v]) => [n, v.join(',')]))
}

/** The query as a v1 (decoded) or ALB (raw) multi-value map. */
function queryMap(query: string, decode: boolean): Record<string, string[]> {
  const map: Record<string, string[]> = {}
  if (query === '') return map
  for (const pair of query.split('&')) {
    const [k = '', v = ''] = pair.split('=', 2)
    const key = decode ? decodeURIComponent(k) : k
    append(map, key, decode ? decodeURIComponent(v) : v)
  }
  return map
}

/** The event an integration of `shape` would send for `scope` with `body`. */
function eventFor(shape: Shape, scope: HTTPScope, body: Uint8Array): Record<string, unknown> {
  const payload = { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }
  switch (shape) {
    case 'apigw-v2': {
      const headers = single(scope)
      const cookies = headers.cookie?.split(/;\s*/)
      delete headers.cookie
      return {
        version: '2.0',
        rawPath: scope.rawPath,
        rawQueryString: scope.queryString,
        ...(cookies ? { cookies } : {}),
        headers,
        requestContext: {
          stage: '$default',
          http: { method: scope.method, sourceIp: '192.0.2.1', protocol: 'HTTP/1.1' },
        },
        ...payload,
      }
    }
    case 'apigw-v1':
      return {
        httpMethod: scope.method,
        path: decodeURIComponent(scope.rawPath),
        multiValueHeaders: multi(scope),
        multiValueQueryStringParameters: queryMap(scope.queryString, true),
        requestContext: { stage: 'prod', identity: { sourceIp: '192.0.2.1' } },
        ...payload,
      }
    case 'alb':
      return {
        requestContext: { elb: { targetGroupArn: 'arn' } },
        httpMethod: scope.method,
        path: scope.rawPath,
        headers: single(scope),
        queryStringParameters: Object.fromEntries(
          Object.entries(queryMap(scope.queryString, false)).map(([k, v]) => [k, v.at(-1)]),
        ),
        ...payload,
      }
    case 'alb-multi':
      return {
        requestContext: { elb: { targetGroupArn: 'arn' } },
        httpMethod: scope.method,
        path: scope.rawPath,
        multiValueHeaders: multi(scope),
        multiValueQueryStringParameters: queryMap(scope.queryString, false),
        ...payload,
      }
  }
}

interface Result {
  statusCode: number
  headers?: Record<string, string>
  multiValueHeaders?: Record<string, string[]>
  cookies?: string[]
  body: string
  isBase64Encoded: boolean
}

/** A TSGI app that answers each request by invoking `handler` with a `shape` event. */
function viaLambda(handler: LambdaHandler, shape: Shape): Application {
  return async (scope, receive, send) => {
    if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
    const body = await readBody(receive)
    const result = (await handler(eventFor(shape, scope, body))) as Result
    const headers: Array<[string, string]> = []
    for (const [name, value] of Object.entries(result.headers ?? {})) headers.push([name, value])
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
      for (const value of values) headers.push([name, value])
    for (const cookie of result.cookies ?? []) headers.push(['set-cookie', cookie])
    await send({ type: 'http.response.start', status: result.statusCode, headers })
    await send({
      type: 'http.response.body',
      body: Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
    })
  }
}

const shapes: Shape[] = ['apigw-v1', 'apigw-v2', 'alb', 'alb-multi']

describe('checkApp', () => {
  it('passes for the plain test app', async () => {
    const report = await checkApp(echoApp, { lifespan: false })
    expect(report.violations).toEqual([])
  })

  it.each(shapes)('passes for the round trip through %s events', async (shape) => {
    const app = viaLambda(toLambda(echoApp, { lifespan: 'off' }), shape)
    const report = await checkApp(app, {
      lifespan: false,
      requests: [
        { path: '/' },
        { method: 'HEAD', path: '/' },
        {
          method: 'POST',
          path: '/x',
          headers: [['content-type', 'application/json']],
          body: '{"a":1}',
        },
        { path: '/binary' },
        { path: '/status/204' },
      ],
    })
    expect(report.violations).toEqual([])
  })
})

describe.each(shapes)('round trip through %s events', (shape) => {
  const client = createTestClient(viaLambda(toLambda(echoApp, { lifespan: 'off' }), shape))

  it('the inner app sees the outer request', async () => {
    const res = await client.request({
      method: 'PUT',
      path: '/a%20b/c?x=1&y=%2F&x=2',
      headers: [
        ['x-one', 'v'],
        ['content-type', 'application/octet-stream'],
      ],
      body: Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => i)),
    })
    expect(res.status).toBe(200)
    const echo = JSON.parse(res.text()) as Echo
    expect(echo.method).toBe('PUT')
    expect(echo.rawPath).toBe('/a%20b/c')
    expect(echo.path).toBe('/a b/c')
    // Payload 2.0 keeps the raw query; maps group a repeated parameter's values (and the ALB
    // without multi-value headers keeps only the last).
    const query = { 'apigw-v2': 'x=1&y=%2F&x=2', alb: 'x=2&y=%2F' } as Record<string, string>
    expect(echo.queryString).toBe(query[shape] ?? 'x=1&x=2&y=%2F')
    expect(echo.headers).toContainEqual(['x-one', 'v'])
    expect([...Buffer.from(echo.body, 'base64')]).toEqual(Array.from({ length: 256 }, (_, i) => i))
  })

  it('binary and cookies come back', async () => {
    const binary = await client.request({ path: '/binary' })
    expect([...binary.body]).toEqual(Array.from({ length: 256 }, (_, i) => i))
    const cookies = await client.request({ path: '/cookies' })
    expect(cookies.status).toBe(201)
    const jar = cookies.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)
    expect(jar).toEqual(
      shape === 'alb' ? ['b=2'] : ['a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'b=2'],
    )
  })
})

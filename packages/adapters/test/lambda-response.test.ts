/**
 * toLambda(app) results: base64 bodies by content type (and the override), bodyless responses,
 * hop-by-hop headers dropped, non-ASCII header values both ways.
 */
import { Buffer } from 'node:buffer'
import type { Application, HeaderList } from '@tsgi/protocol'
import { describe, expect, it } from 'vitest'
import {
  type APIGatewayProxyResultV1,
  type APIGatewayProxyResultV2,
  isBinaryResponse,
  toLambda,
} from '../src/lambda/index.ts'
import { ALL_BYTES, echoApp, readBody, sampleEvent } from './lambda-helpers.ts'

/** An app answering with `headers` and `body` (whatever the request). */
function fixed(headers: HeaderList, body: Uint8Array, status = 200): Application {
  return async (scope, receive, send) => {
    if (scope.type !== 'http') throw new Error('unsupported')
    await readBody(receive)
    await send({ type: 'http.response.start', status, headers })
    await send({ type: 'http.response.body', body })
  }
}

const v2 = async (app: Application, event = sampleEvent('apigw-v2')) =>
  (await toLambda(app, { lifespan: 'off' })(event)) as APIGatewayProxyResultV2

describe('binary detection', () => {
  it.each([
    ['text/plain', false],
    ['text/html; charset=utf-8', false],
    ['application/json', false],
    ['application/problem+json', false],
    ['application/xml', false],
    ['image/svg+xml', false],
    ['application/javascript', false],
    ['application/x-www-form-urlencoded', false],
    ['APPLICATION/JSON; charset=UTF-8', false],
    ['image/png', true],
    ['application/octet-stream', true],
    ['application/pdf', true],
    ['font/woff2', true],
  ])('%s is binary: %s', (type, binary) => {
    expect(isBinaryResponse([['content-type', type]], type)).toBe(binary)
  })

  it('takes any content-encoding but identity as binary', () => {
    const type = 'application/json'
    expect(isBinaryResponse([['content-encoding', 'gzip']], type)).toBe(true)
    expect(isBinaryResponse([['Content-Encoding', 'br']], type)).toBe(true)
    expect(isBinaryResponse([['content-encoding', 'identity']], type)).toBe(false)
  })

  it('sends all 256 byte values base64 for application/octet-stream', async () => {
    const event = sampleEvent('apigw-v2')
    event.rawPath = '/binary'
    const result = await v2(echoApp, event)
    expect(result.isBase64Encoded).toBe(true)
    expect(new Uint8Array(Buffer.from(result.body, 'base64'))).toEqual(ALL_BYTES)
  })

  it('sends a gzip JSON body base64', async () => {
    const bytes = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0])
    const result = await v2(
      fixed(
        [
          ['content-type', 'application/json'],
          ['content-encoding', 'gzip'],
        ],
        bytes,
      ),
    )
    expect(result.isBase64Encoded).toBe(true)
    expect(new Uint8Array(Buffer.from(result.body, 'base64'))).toEqual(bytes)
  })

  it('sends text as text, and text that is not UTF-8 as base64', async () => {
    const text = await v2(fixed([['content-type', 'text/plain']], Buffer.from('héllo')))
    expect([text.body, text.isBase64Encoded]).toEqual(['héllo', false])
    const latin1 = Buffer.from('h\xe9llo', 'latin1')
    const raw = await v2(fixed([['content-type', 'text/plain; charset=iso-8859-1']], latin1))
    expect(raw.isBase64Encoded).toBe(true)
    expect(Buffer.from(raw.body, 'base64')).toEqual(latin1)
  })

  it('without a content type: UTF-8 as text, other bytes base64', async () => {
    const text = await v2(fixed([], Buffer.from('plain')))
    expect([text.body, text.isBase64Encoded]).toEqual(['plain', false])
    const bytes = await v2(fixed([], ALL_BYTES))
    expect(bytes.isBase64Encoded).toBe(true)
  })

  it('follows options.isBinary', async () => {
    const seen: Array<string | undefined> = []
    const handler = toLambda(fixed([['content-type', 'text/csv']], Buffer.from('a,b')), {
      lifespan: 'off',
      isBinary: (_headers, type) => {
        seen.push(type)
        return true
      },
    })
    const result = (await handler(sampleEvent('apigw-v2'))) as APIGatewayProxyResultV2
    expect(seen).toEqual(['text/csv'])
    expect([result.body, result.isBase64Encoded]).toEqual([
      Buffer.from('a,b').toString('base64'),
      true,
    ])
  })
})

describe('bodyless responses', () => {
  it('HEAD: headers, no body', async () => {
    const event = sampleEvent('apigw-v1')
    event.httpMethod = 'HEAD'
    const result = (await toLambda(fixed([['content-type', 'text/plain']], Buffer.from('abc')), {
      lifespan: 'off',
    })(event)) as APIGatewayProxyResultV1
    expect(result).toEqual({
      statusCode: 200,
      multiValueHeaders: { 'content-type': ['text/plain'] },
      body: '',
      isBase64Encoded: false,
    })
  })

  it.each([204, 304])('%i: no body even when the app sends one', async (status) => {
    const event = sampleEvent('apigw-v2')
    event.rawPath = `/status/${status}`
    const result = await v2(echoApp, event)
    expect([result.statusCode, result.body, result.isBase64Encoded]).toEqual([status, '', false])
  })
})

describe('response headers', () => {
  it('drops hop-by-hop fields and those named in Connection', async () => {
    const result = await v2(
      fixed(
        [
          ['Connection', 'keep-alive, X-Secret'],
          ['Keep-Alive', 'timeout=5'],
          ['Transfer-Encoding', 'chunked'],
          ['Upgrade', 'h2c'],
          ['TE', 'trailers'],
          ['Trailer', 'x-t'],
          ['Proxy-Connection', 'close'],
          ['X-Secret', 'hop'],
          ['Content-Type', 'text/plain'],
          ['Content-Length', '2'],
        ],
        Buffer.from('ok'),
      ),
    )
    expect(result.headers).toEqual({ 'content-type': 'text/plain', 'content-length': '2' })
  })

  it('request header values become latin1 octets, response ones UTF-8 text again', async () => {
    let seen = ''
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      await readBody(receive)
      const name = scope.headers.find(([n]) => n === 'x-name')?.[1] ?? ''
      seen = name
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['x-seen', name],
          ['x-octets', '\xff\xfe'],
        ],
      })
      await send({ type: 'http.response.body' })
    }
    const event = sampleEvent('apigw-v2')
    ;(event.headers as Record<string, string>)['x-name'] = 'José'
    const result = await v2(app, event)
    // The app saw the UTF-8 octets of "José" as latin1 characters, and they go back as "José";
    // octets that are not UTF-8 are passed on as they are.
    expect(seen).toBe('Jos\xc3\xa9')
    expect(result.headers['x-seen']).toBe('José')
    expect(result.headers['x-octets']).toBe('\xff\xfe')
  })

  it('an empty body is "" and not base64', async () => {
    const result = await v2(fixed([['content-type', 'image/png']], new Uint8Array(0)))
    expect([result.body, result.isBase64Encoded]).toEqual(['', false])
  })
})

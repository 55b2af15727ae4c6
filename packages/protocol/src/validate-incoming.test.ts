/** validateScope / validateReceiveEvent: what a server builds and delivers. */
import { describe, expect, test } from 'vitest'
import { InvalidScopeError } from './errors.ts'
import { assertScope, validateReceiveEvent, validateScope } from './validate-incoming.ts'
import { TSGI_VERSION } from './version.ts'

const http = {
  type: 'http',
  tsgi: TSGI_VERSION,
  httpVersion: '1.1',
  method: 'GET',
  scheme: 'http',
  path: '/api/a b',
  rawPath: '/api/a%20b',
  queryString: 'x=1',
  rootPath: '/api',
  headers: [['host', 'h']],
  client: { host: '127.0.0.1', port: 5000 },
  server: { host: '/tmp/s.sock', port: null },
  state: {},
  extensions: {},
}
const websocket = {
  ...http,
  type: 'websocket',
  scheme: 'ws',
  subprotocols: ['v1'],
  method: undefined,
}
const lifespan = { type: 'lifespan', tsgi: TSGI_VERSION, state: {} }

describe('validateScope', () => {
  test('valid http, websocket and lifespan scopes', () => {
    for (const scope of [http, websocket, lifespan, { ...http, client: null, server: null }])
      expect(validateScope(scope)).toBeUndefined()
    expect(() => assertScope(http)).not.toThrow()
  })

  const bad: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 'scope', 'scope', /must be an object/],
    [
      'unknown type',
      { ...http, type: 'grpc' },
      'scope.type',
      /must be 'http', 'websocket' or 'lifespan'|'http', 'websocket'/,
    ],
    ['wrong version', { ...http, tsgi: { version: '3.0' } }, 'scope.tsgi', /version: '1.0'/],
    ['state not an object', { ...http, state: null }, 'scope.state', /must be an object/],
    ['lowercase method', { ...http, method: 'get' }, 'scope.method', /uppercase token/],
    ['http version', { ...http, httpVersion: '3' }, 'scope.httpVersion', /must be one of/],
    ['scheme', { ...http, scheme: 'ws' }, 'scope.scheme', /must be one of 'http', 'https'/],
    ['path not a string', { ...http, path: 1 }, 'scope.path', /must be a string/],
    [
      'path without rootPath',
      { ...http, path: '/other' },
      'scope.path',
      /must start with rootPath "\/api"/,
    ],
    [
      'relative path',
      { ...http, rootPath: '', path: 'a', rawPath: 'a' },
      'scope.path',
      /must start with '\/'/,
    ],
    [
      'uppercase header name',
      { ...http, headers: [['Host', 'h']] },
      'scope.headers[0][0]',
      /must be lowercase/,
    ],
    [
      'header with CRLF',
      { ...http, headers: [['x', 'a\r\nb']] },
      'scope.headers[0][1]',
      /must not contain CR/,
    ],
    [
      'client without port',
      { ...http, client: { host: 'h' } },
      'scope.client',
      /must be null or \{ host: string, port: integer \}/,
    ],
    [
      'server with string port',
      { ...http, server: { host: 'h', port: '80' } },
      'scope.server',
      /port: integer \| null/,
    ],
    [
      'extensions not an object',
      { ...http, extensions: [] },
      'scope.extensions',
      /must be an object/,
    ],
    [
      'subprotocols not strings',
      { ...websocket, subprotocols: [1] },
      'scope.subprotocols',
      /array of strings/,
    ],
    ['websocket scheme', { ...websocket, scheme: 'https' }, 'scope.scheme', /'ws', 'wss'/],
  ]
  test.each(bad)('%s', (_n, scope, field, message) => {
    const error = validateScope(scope)
    expect(error).toBeInstanceOf(InvalidScopeError)
    expect(error?.code).toBe('TSGI_PROTOCOL_ERR_INVALID_SCOPE')
    expect(error?.field).toBe(field)
    expect(error?.message).toMatch(message)
    expect(() => assertScope(scope)).toThrow(InvalidScopeError)
  })
})

describe('validateReceiveEvent', () => {
  test('every event a server delivers', () => {
    const ok: Array<[unknown, 'http' | 'websocket' | 'lifespan']> = [
      [{ type: 'http.request', body: new Uint8Array(), moreBody: false }, 'http'],
      [{ type: 'http.disconnect' }, 'http'],
      [{ type: 'websocket.connect' }, 'websocket'],
      [{ type: 'websocket.receive', text: 'x' }, 'websocket'],
      [{ type: 'websocket.receive', bytes: new Uint8Array(1) }, 'websocket'],
      [{ type: 'websocket.disconnect', code: 1000, reason: '' }, 'websocket'],
      [{ type: 'lifespan.startup' }, 'lifespan'],
      [{ type: 'lifespan.shutdown' }, 'lifespan'],
    ]
    for (const [event, scope] of ok) expect(validateReceiveEvent(event, scope)).toBeUndefined()
  })
  test.each([
    ['not an object', 1, undefined, /event must be an object/],
    [
      'an application event',
      { type: 'http.response.start' },
      undefined,
      /not an event a server delivers/,
    ],
    [
      'another scope',
      { type: 'http.disconnect' },
      'websocket',
      /belongs to http scopes, not websocket/,
    ],
    [
      'body as string',
      { type: 'http.request', body: 'x', moreBody: false },
      'http',
      /event.body must be a Uint8Array/,
    ],
    [
      'moreBody missing',
      { type: 'http.request', body: new Uint8Array() },
      'http',
      /event.moreBody must be a boolean/,
    ],
    [
      'both bytes and text',
      { type: 'websocket.receive', text: 'a', bytes: new Uint8Array() },
      'websocket',
      /exactly one/,
    ],
    [
      'bytes as string',
      { type: 'websocket.receive', bytes: 'x' },
      'websocket',
      /event.bytes must be a Uint8Array/,
    ],
    [
      'text as number',
      { type: 'websocket.receive', text: 1 },
      'websocket',
      /event.text must be a string/,
    ],
    [
      'code as string',
      { type: 'websocket.disconnect', code: '1000', reason: '' },
      'websocket',
      /event.code must be an integer/,
    ],
    [
      'reason missing',
      { type: 'websocket.disconnect', code: 1000 },
      'websocket',
      /event.reason must be a string/,
    ],
  ] as const)('%s', (_n, event, scope, message) => {
    const error = validateReceiveEvent(event, scope)
    expect(error).toBeInstanceOf(InvalidScopeError)
    expect(error?.message).toMatch(message)
  })
})

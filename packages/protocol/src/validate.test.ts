/** validateSendEvent / assertSendEvent: every event type, and each bad field's precise error. */
import { describe, expect, test } from 'vitest'
import type { SendEvent } from './application.ts'
import { InvalidEventError } from './errors.ts'
import { isFieldValue, isToken } from './fields.ts'
import { assertSendEvent, isValidCloseCode, validateSendEvent } from './validate.ts'

const bytes = new Uint8Array([1])
const all = {
  'http.response.trailers': {},
  'http.response.pathsend': {},
  'websocket.http.response': {},
}

describe('valid events', () => {
  const valid: Array<[string, unknown, 'http' | 'websocket' | 'lifespan']> = [
    ['start', { type: 'http.response.start', status: 200 }, 'http'],
    [
      'start with headers and trailers',
      { type: 'http.response.start', status: 599, headers: [['X-A', 'v\tw ÿ']], trailers: true },
      'http',
    ],
    ['body', { type: 'http.response.body', body: bytes, moreBody: true }, 'http'],
    ['empty body', { type: 'http.response.body' }, 'http'],
    [
      'trailers',
      { type: 'http.response.trailers', headers: [['x-t', '1']], moreTrailers: false },
      'http',
    ],
    ['pathsend', { type: 'http.response.pathsend', path: '/srv/file.txt' }, 'http'],
    ['pathsend (windows)', { type: 'http.response.pathsend', path: 'C:\\files\\a.txt' }, 'http'],
    [
      'accept',
      { type: 'websocket.accept', subprotocol: 'chat', headers: [['x-a', '1']] },
      'websocket',
    ],
    ['accept null subprotocol', { type: 'websocket.accept', subprotocol: null }, 'websocket'],
    ['send text', { type: 'websocket.send', text: 'hi' }, 'websocket'],
    ['send bytes', { type: 'websocket.send', bytes, text: null }, 'websocket'],
    ['close', { type: 'websocket.close', code: 4000, reason: 'bye' }, 'websocket'],
    ['close default', { type: 'websocket.close' }, 'websocket'],
    ['denial start', { type: 'websocket.http.response.start', status: 403 }, 'websocket'],
    ['denial body', { type: 'websocket.http.response.body', body: bytes }, 'websocket'],
    ['startup.complete', { type: 'lifespan.startup.complete' }, 'lifespan'],
    ['startup.failed', { type: 'lifespan.startup.failed', message: 'x' }, 'lifespan'],
    ['shutdown.complete', { type: 'lifespan.shutdown.complete' }, 'lifespan'],
    ['shutdown.failed', { type: 'lifespan.shutdown.failed' }, 'lifespan'],
    ['extra fields are fine', { type: 'http.response.start', status: 200, vendorField: 1 }, 'http'],
  ]
  test.each(valid)('%s', (_n, event, scopeType) => {
    expect(validateSendEvent(event, { scopeType, extensions: all })).toBeUndefined()
    expect(() => assertSendEvent(event, { scopeType, extensions: all })).not.toThrow()
  })
})

describe('invalid events name the field and what was expected', () => {
  const invalid: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 'http.response.start', 'event', /must be an object, got string/],
    ['an array', [], 'event', /must be an object, got array\(0\)/],
    ['null', null, 'event', /must be an object, got null/],
    ['no type', { status: 200 }, 'type', /must be a string, got undefined/],
    [
      'unknown type',
      { type: 'http.response.push' },
      'type',
      /is not an event an application can send \(one of: /,
    ],
    ['received type', { type: 'http.request' }, 'type', /is not an event an application can send/],
    [
      'status string',
      { type: 'http.response.start', status: '200' },
      'status',
      /integer.*got string "200"/,
    ],
    [
      'status 1xx',
      { type: 'http.response.start', status: 101 },
      'status',
      /200.*599|100–199|interim/i,
    ],
    [
      'status 600',
      { type: 'http.response.start', status: 600 },
      'status',
      /from 200 to 599, got 600/,
    ],
    ['status float', { type: 'http.response.start', status: 200.5 }, 'status', /got number 200.5/],
    [
      'headers string',
      { type: 'http.response.start', status: 200, headers: 'a: b' },
      'headers',
      /must be an array of \[name, value\] pairs/,
    ],
    [
      'header not a pair',
      { type: 'http.response.start', status: 200, headers: [['a']] },
      'headers[0]',
      /must be a \[name, value\] pair, got array\(1\)/,
    ],
    [
      'header name number',
      { type: 'http.response.start', status: 200, headers: [[1, 'v']] },
      'headers[0][0]',
      /must be a string, got number 1/,
    ],
    [
      'header name with space',
      { type: 'http.response.start', status: 200, headers: [['a b', 'v']] },
      'headers[0][0]',
      /RFC 9110 token/,
    ],
    [
      'header value number',
      { type: 'http.response.start', status: 200, headers: [['a', 1]] },
      'headers[0][1]',
      /must be a string, got number 1/,
    ],
    [
      'header value CRLF',
      { type: 'http.response.start', status: 200, headers: [['a', 'v\r\nx: y']] },
      'headers[0][1]',
      /must not contain CR, LF, NUL/,
    ],
    [
      'header value NUL',
      { type: 'http.response.start', status: 200, headers: [['a', 'v\0']] },
      'headers[0][1]',
      /must not contain/,
    ],
    [
      'header value above U+00FF',
      { type: 'http.response.start', status: 200, headers: [['a', 'v€']] },
      'headers[0][1]',
      /above U\+00FF/,
    ],
    [
      'trailers not boolean',
      { type: 'http.response.start', status: 200, trailers: 'yes' },
      'trailers',
      /boolean/,
    ],
    ['body string', { type: 'http.response.body', body: 'text' }, 'body', /Uint8Array/],
    ['moreBody string', { type: 'http.response.body', moreBody: 'false' }, 'moreBody', /boolean/],
    [
      'moreTrailers number',
      { type: 'http.response.trailers', moreTrailers: 1 },
      'moreTrailers',
      /boolean/,
    ],
    [
      'relative pathsend',
      { type: 'http.response.pathsend', path: 'file.txt' },
      'path',
      /absolute file path/,
    ],
    [
      'subprotocol not a token',
      { type: 'websocket.accept', subprotocol: 'a b' },
      'subprotocol',
      /token/,
    ],
    [
      'accept with sec-websocket-protocol',
      { type: 'websocket.accept', headers: [['Sec-WebSocket-Protocol', 'x']] },
      'headers[0][0]',
      /use subprotocol/,
    ],
    [
      'send both',
      { type: 'websocket.send', text: 'a', bytes },
      'bytes/text',
      /exactly one of bytes or text set, got both/,
    ],
    ['send neither', { type: 'websocket.send' }, 'bytes/text', /got neither/],
    ['send bytes as string', { type: 'websocket.send', bytes: 'x' }, 'bytes', /Uint8Array/],
    ['send text as number', { type: 'websocket.send', text: 1 }, 'text', /string/],
    ['close code 1005', { type: 'websocket.close', code: 1005 }, 'code', /3000–4999/],
    ['close code string', { type: 'websocket.close', code: '1000' }, 'code', /got string/],
    ['close reason number', { type: 'websocket.close', reason: 5 }, 'reason', /must be a string/],
    [
      'close reason too long',
      { type: 'websocket.close', reason: 'é'.repeat(62) },
      'reason',
      /at most 123 bytes of UTF-8, got 124/,
    ],
    ['failed message number', { type: 'lifespan.startup.failed', message: 1 }, 'message', /string/],
  ]
  test.each(invalid)('%s', (_n, event, field, message) => {
    const error = validateSendEvent(event, { extensions: all })
    expect(error).toBeInstanceOf(InvalidEventError)
    expect(error?.code).toBe('TSGI_PROTOCOL_ERR_INVALID_EVENT')
    expect(error?.field).toBe(field)
    expect(error?.message).toMatch(message)
    expect(() => assertSendEvent(event, { extensions: all })).toThrow(InvalidEventError)
  })

  test('an event of another scope type', () => {
    const error = validateSendEvent({ type: 'websocket.send', text: 'x' }, { scopeType: 'http' })
    expect(error?.message).toMatch(/belongs to websocket scopes, not http/)
  })

  test('an extension event the server did not announce', () => {
    for (const event of [
      { type: 'http.response.pathsend', path: '/a' },
      { type: 'http.response.trailers' },
      { type: 'websocket.http.response.start', status: 403 },
    ] as SendEvent[]) {
      const error = validateSendEvent(event, { extensions: {} })
      expect(error?.message, event.type).toMatch(/extension/)
    }
    const start = validateSendEvent(
      { type: 'http.response.start', status: 200, trailers: true },
      { extensions: {} },
    )
    expect(start?.field).toBe('trailers')
  })
})

describe('field helpers', () => {
  test('isValidCloseCode', () => {
    for (const ok of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999])
      expect(isValidCloseCode(ok)).toBe(true)
    for (const bad of [999, 1004, 1005, 1006, 1015, 2999, 5000, 1000.5, Number.NaN])
      expect(isValidCloseCode(bad)).toBe(false)
  })
  test('isToken and isFieldValue', () => {
    expect(isToken("x-Custom_1!#$%&'*+.^`|~")).toBe(true)
    for (const bad of ['', 'a b', 'a:b', 'é', 'a\n']) expect(isToken(bad)).toBe(false)
    expect(isFieldValue('text/html; q=0.9\t ÿ')).toBe(true)
    expect(isFieldValue('')).toBe(true)
    for (const bad of ['a\rb', 'a\nb', 'a\0', '\x7f', 'Ā']) expect(isFieldValue(bad)).toBe(false)
  })
})

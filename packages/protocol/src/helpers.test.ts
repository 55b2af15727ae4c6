/** Header and status helpers, and the error classes' stable codes. */
import { describe, expect, test } from 'vitest'
import {
  ClientDisconnectedError,
  ContentLengthError,
  ErrorCode,
  IncompleteResponseError,
  InvalidEventError,
  isClientDisconnected,
  LifespanFailedError,
  ProtocolError,
  TSGIError,
  UnexpectedEventError,
  UnsupportedScopeError,
} from './errors.ts'
import { describe as describeValue } from './fields.ts'
import { getHeader, getHeaderValues, hasHeader, splitHeaderList, toHeaderList } from './headers.ts'
import { isBodylessResponse, STATUS_TEXT, statusText } from './status.ts'

describe('headers', () => {
  const list: [string, string][] = [
    ['content-type', 'text/plain'],
    ['Set-Cookie', 'a=1'],
    ['set-cookie', 'b=2'],
  ]
  test('case-insensitive lookups keep every value', () => {
    expect(getHeader(list, 'Content-Type')).toBe('text/plain')
    expect(getHeader(list, 'x-missing')).toBeUndefined()
    expect(getHeaderValues(list, 'SET-COOKIE')).toEqual(['a=1', 'b=2'])
    expect(hasHeader(list, 'set-cookie')).toBe(true)
    expect(hasHeader(list, 'x')).toBe(false)
  })
  test('splitHeaderList respects quoted strings and drops empty elements', () => {
    expect(splitHeaderList('gzip, br ,, deflate')).toEqual(['gzip', 'br', 'deflate'])
    expect(splitHeaderList(['a="x, y", b', 'c="q\\"d, e"'])).toEqual([
      'a="x, y"',
      'b',
      'c="q\\"d, e"',
    ])
    expect(splitHeaderList('')).toEqual([])
  })
  test('toHeaderList from pairs, maps and records', () => {
    expect(toHeaderList([['X-A', '1']], true)).toEqual([['x-a', '1']])
    expect(toHeaderList(new Map([['X-B', '2']]))).toEqual([['X-B', '2']])
    expect(toHeaderList({ 'X-C': 3, 'x-d': ['a', 'b'], skip: undefined }, true)).toEqual([
      ['x-c', '3'],
      ['x-d', 'a'],
      ['x-d', 'b'],
    ])
    expect(toHeaderList(undefined)).toEqual([])
  })
})

describe('status', () => {
  test('reason phrases', () => {
    expect(statusText(200)).toBe('OK')
    expect(statusText(418)).toBe("I'm a Teapot")
    expect(statusText(299)).toBe('')
    // The array behind it gives STATUS_TEXT's phrase for every code, and '' for anything else.
    for (let code = -1; code <= 1000; code++)
      expect(statusText(code), String(code)).toBe(STATUS_TEXT[code] ?? '')
    for (const odd of [200.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9])
      expect(statusText(odd)).toBe('')
    expect(Object.isFrozen(STATUS_TEXT)).toBe(true)
  })
  test('bodyless responses: HEAD, 1xx, 204, 304', () => {
    expect(isBodylessResponse(200, 'HEAD')).toBe(true)
    expect(isBodylessResponse(204)).toBe(true)
    expect(isBodylessResponse(304, 'GET')).toBe(true)
    expect(isBodylessResponse(103)).toBe(true)
    expect(isBodylessResponse(200, 'GET')).toBe(false)
    expect(isBodylessResponse(205)).toBe(false)
  })
})

describe('errors', () => {
  test('every error has its stable code and is a ProtocolError, so a TSGIError', () => {
    const cases: Array<[ProtocolError, string]> = [
      [new ClientDisconnectedError(), 'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED'],
      [new InvalidEventError('x', 'f', 'is bad'), 'TSGI_PROTOCOL_ERR_INVALID_EVENT'],
      [new UnexpectedEventError('x', 'body', 'now'), 'TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT'],
      [new ContentLengthError(1, 2), 'TSGI_PROTOCOL_ERR_CONTENT_LENGTH'],
      [new IncompleteResponseError('start'), 'TSGI_PROTOCOL_ERR_INCOMPLETE_RESPONSE'],
      [new UnsupportedScopeError('websocket'), 'TSGI_PROTOCOL_ERR_UNSUPPORTED_SCOPE'],
      [new LifespanFailedError('startup', 'db down'), 'TSGI_PROTOCOL_ERR_LIFESPAN_FAILED'],
    ]
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(ProtocolError)
      expect(error).toBeInstanceOf(TSGIError)
      expect(error.code).toBe(code)
      expect(Object.values(ErrorCode)).toContain(code)
    }
  })
  test('TSGIError carries its code and cause; names are the classes', () => {
    const cause = new Error('socket reset')
    const error = new TSGIError('TSGI_X_ERR_Y', 'went wrong', { cause })
    expect([error.code, error.message, error.cause, error.name]).toEqual([
      'TSGI_X_ERR_Y',
      'went wrong',
      cause,
      'TSGIError',
    ])
    expect(error).toBeInstanceOf(Error)
    const disconnected = new ClientDisconnectedError('gone', { cause })
    expect([disconnected.name, disconnected.cause]).toEqual(['ClientDisconnectedError', cause])
    // A server's or framework's TSGIError is not a protocol violation.
    expect(new TSGIError('TSGI_X_ERR_Y', 'x')).not.toBeInstanceOf(ProtocolError)
  })
  test('messages say what happened', () => {
    expect(new ContentLengthError(3, 5).message).toMatch(
      /exceeds its content-length: 5 bytes sent, 3 declared/,
    )
    expect(new ContentLengthError(3, 1).message).toMatch(
      /ended short of its content-length: 1 of 3/,
    )
    expect(new IncompleteResponseError('body').message).toMatch(
      /before the response body was complete/,
    )
    expect(new IncompleteResponseError('handshake').message).toMatch(/websocket handshake/)
    expect(new InvalidEventError(undefined, 'event', 'must be an object').message).toBe(
      'event: event must be an object',
    )
  })
  test('isClientDisconnected matches on the code, across copies of the package', () => {
    expect(isClientDisconnected(new ClientDisconnectedError())).toBe(true)
    expect(isClientDisconnected({ code: 'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED' })).toBe(true)
    expect(isClientDisconnected(new Error('x'))).toBe(false)
    expect(isClientDisconnected(null)).toBe(false)
  })
  test('values are described precisely in messages', () => {
    expect(describeValue('x'.repeat(50))).toMatch(/…"$/)
    expect(describeValue(10n)).toBe('bigint 10')
    expect(describeValue(() => 1)).toBe('function')
    expect(describeValue(Buffer.alloc(2))).toBe('Buffer(2)')
  })
})

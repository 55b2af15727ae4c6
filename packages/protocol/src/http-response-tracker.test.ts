/**
 * The tracker's fast path for well-formed start and body events must never change a verdict:
 * every malformed event is still rejected with exactly the error the full validator gives,
 * and every well-formed one is accepted.
 */
import { describe, expect, it } from 'vitest'
import type { SendEvent } from './application.ts'
import type { Extensions } from './common.ts'
import { isFieldValue, isToken } from './fields.ts'
import { HTTPResponseTracker } from './http-response-tracker.ts'
import { validateSendEvent } from './validate.ts'

const NO_TRAILERS: Extensions = {}
const TRAILERS: Extensions = { 'http.response.trailers': {} }
const start = { type: 'http.response.start', status: 200 }

/** Events the fast path sees first: each must fail as the full validator says. */
const malformed: Array<[string, unknown]> = [
  ['null', null],
  ['a string', 'http.response.start'],
  ['an array', [['type', 'http.response.start']]],
  ['an array with a type', Object.assign([], { type: 'http.response.body' })],
  ['no type', { status: 200 }],
  ['a numeric type', { type: 7 }],
  ['an unknown type', { type: 'http.response.begin', status: 200 }],
  ['a websocket event', { type: 'websocket.send', text: 'x' }],
  ['status as a string', { ...start, status: '200' }],
  ['status 199', { ...start, status: 199 }],
  ['status 101', { ...start, status: 101 }],
  ['status 600', { ...start, status: 600 }],
  ['status 200.5', { ...start, status: 200.5 }],
  ['status NaN', { ...start, status: Number.NaN }],
  ['no status', { type: 'http.response.start' }],
  ['headers as an object', { ...start, headers: { 'content-type': 'text/plain' } }],
  ['a header that is not a pair', { ...start, headers: [['a', 'b', 'c']] }],
  ['a header name that is not a token', { ...start, headers: [['bad name', 'x']] }],
  ['a header name that is a number', { ...start, headers: [[1, 'x']] }],
  ['a header value with CR LF', { ...start, headers: [['x-a', 'a\r\nb']] }],
  ['a header value above U+00FF', { ...start, headers: [['x-a', '\u2603']] }],
  ['a header value that is a number', { ...start, headers: [['content-length', 3]] }],
  [
    'a bad second header',
    {
      ...start,
      headers: [
        ['x-a', 'ok'],
        ['x-b', '\0'],
      ],
    },
  ],
  ['trailers as a string', { ...start, trailers: 'yes' }],
  ['trailers null', { ...start, trailers: null }],
  ['body as a string', { type: 'http.response.body', body: 'hello' }],
  ['body as an ArrayBuffer', { type: 'http.response.body', body: new ArrayBuffer(2) }],
  ['body null', { type: 'http.response.body', body: null }],
  ['moreBody as a string', { type: 'http.response.body', moreBody: 'false' }],
  ['moreBody 0', { type: 'http.response.body', moreBody: 0 }],
]

function errorOf(f: () => void): unknown {
  try {
    f()
  } catch (error) {
    return error
  }
  return undefined
}

describe('HTTPResponseTracker fast path', () => {
  for (const [name, event] of malformed) {
    it(`rejects ${name} with the full validator's error`, () => {
      const expected = validateSendEvent(event, { scopeType: 'http', extensions: NO_TRAILERS })
      expect(expected).toBeDefined()
      const tracker = new HTTPResponseTracker('GET', NO_TRAILERS)
      // Body events are checked in the body phase, so a shape error is not masked by order.
      const isBody = (event as { type?: unknown } | null)?.type === 'http.response.body'
      if (isBody) tracker.accept({ type: 'http.response.start', status: 200 })
      const error = errorOf(() => tracker.accept(event as SendEvent))
      expect(error).toBeInstanceOf(expected!.constructor)
      expect(error).toMatchObject({
        code: expected!.code,
        message: expected!.message,
        field: expected!.field,
        eventType: expected!.eventType,
      })
    })
  }

  it('refuses trailers: true without the extension, as the full validator does', () => {
    const event = { ...start, trailers: true } as SendEvent
    const expected = validateSendEvent(event, { scopeType: 'http', extensions: NO_TRAILERS })
    const error = errorOf(() => new HTTPResponseTracker('GET', NO_TRAILERS).accept(event))
    expect(error).toMatchObject({ message: expected!.message, field: 'trailers' })
    expect(() => new HTTPResponseTracker('GET', TRAILERS).accept(event)).not.toThrow()
    // No extensions given: nothing to check them against, as in validateSendEvent.
    expect(() => new HTTPResponseTracker('GET').accept(event)).not.toThrow()
  })

  it('accepts well-formed starts and bodies', () => {
    const t = new HTTPResponseTracker('GET', NO_TRAILERS)
    t.accept({
      type: 'http.response.start',
      status: 599,
      headers: [
        ['content-type', 'text/plain; charset=utf-8'],
        ['x-latin1', 'caf\u00e9\t!'],
      ],
      trailers: false,
      extra: 'ignored',
    } as SendEvent)
    t.accept({ type: 'http.response.body', body: new Uint8Array(3), moreBody: true })
    t.accept({ type: 'http.response.body', body: Buffer.from('x'), moreBody: false })
    expect(t.complete).toBe(true)
    expect(t.bytesSent).toBe(4)
    const empty = new HTTPResponseTracker('HEAD', NO_TRAILERS)
    empty.accept({ type: 'http.response.start', status: 200, headers: [] })
    empty.accept({ type: 'http.response.body' })
    expect(empty.complete).toBe(true)
  })

  it('still checks the order and the length after a well-formed event', () => {
    const t = new HTTPResponseTracker('GET', NO_TRAILERS)
    expect(() => t.accept({ type: 'http.response.body' })).toThrow(/before http.response.start/)
    t.accept({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
    expect(() => t.accept({ type: 'http.response.start', status: 200 })).toThrow(/twice/)
    expect(() => t.accept({ type: 'http.response.body', body: new Uint8Array(3) })).toThrow(
      /content-length/i,
    )
  })
})

/** The regular expressions the table-driven checks replaced: the reference for every char. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FIELD_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/

describe('header name and value checks', () => {
  it('give the verdict of the RFC 9110 patterns for every character, alone and inside a string', () => {
    const codes = [...Array.from({ length: 0x180 }, (_, i) => i), 0x2028, 0xd800, 0xfeff, 0xffff]
    for (const code of codes) {
      const c = String.fromCharCode(code)
      for (const s of [c, `a${c}`, `${c}b`, `ab${c}cd`]) {
        expect(isToken(s), `isToken(${JSON.stringify(s)})`).toBe(TOKEN_RE.test(s))
        expect(isFieldValue(s), `isFieldValue(${JSON.stringify(s)})`).toBe(FIELD_VALUE_RE.test(s))
      }
    }
    expect(isToken('')).toBe(false)
    expect(isFieldValue('')).toBe(true)
  })

  it('reject an ill-formed name or value at any position of the header list', () => {
    for (const headers of [
      [
        ['x-a', 'ok'],
        ['x b', 'ok'],
      ],
      [
        ['x-a', 'ok'],
        ['', 'ok'],
      ],
      [
        ['x-a', 'ok'],
        ['x-b', 'ok\x7f'],
      ],
      [
        ['x-a', 'ok'],
        ['x-b', 'line\nbreak'],
      ],
      [['x-\u00e9', 'ok']],
    ]) {
      const event = { ...start, headers } as SendEvent
      const expected = validateSendEvent(event, { scopeType: 'http', extensions: NO_TRAILERS })
      expect(expected).toBeDefined()
      const error = errorOf(() => new HTTPResponseTracker('GET', NO_TRAILERS).accept(event))
      expect(error).toMatchObject({ message: expected!.message, field: expected!.field })
    }
  })
})

describe('remembered header names and values', () => {
  const check = (headers: Array<[string, string]>) =>
    errorOf(() =>
      new HTTPResponseTracker('GET', NO_TRAILERS).accept({ ...start, headers } as SendEvent),
    )

  it('keep names apart from values: a valid value is refused as a name', () => {
    expect(check([['content-type', 'application/json; x=1']])).toBeUndefined()
    expect(check([['content-type', 'application/json; x=1']])).toBeUndefined()
    expect(check([['application/json; x=1', 'x']])).toMatchObject({ field: 'headers[0][0]' })
    // And a remembered name is no value that passes for anything else.
    expect(check([['x-long-header-name', 'v']])).toBeUndefined()
    expect(check([['x-long-header-name', 'v\r\nx-evil: 1']])).toMatchObject({
      field: 'headers[0][1]',
    })
  })

  it('never remember a refused string: it is refused every time', () => {
    for (let i = 0; i < 3; i++) {
      expect(check([['bad name', 'x']])).toMatchObject({ field: 'headers[0][0]' })
      expect(check([['x-a', 'long value with a \n newline']])).toMatchObject({
        field: 'headers[0][1]',
      })
    }
  })

  it('check long names and values every time (they are not remembered)', () => {
    const long = 'x'.repeat(300)
    for (let i = 0; i < 2; i++) {
      expect(check([[long, long]])).toBeUndefined()
      expect(check([[`${long} `, 'x']])).toMatchObject({ field: 'headers[0][0]' })
      expect(check([['x-a', `${long}\n`]])).toMatchObject({ field: 'headers[0][1]' })
    }
  })

  it('still check every string once the sets have been emptied for being full', () => {
    for (let i = 0; i < 2000; i++)
      expect(check([[`x-name-${i}`, `a value number ${i}`]])).toBeUndefined()
    expect(check([['x-name-1999 ', 'x']])).toMatchObject({ field: 'headers[0][0]' })
    expect(check([['x-name-5', 'a value number 5\0']])).toMatchObject({ field: 'headers[0][1]' })
    expect(check([['x-name-5', 'a value number 5']])).toBeUndefined()
  })
})

describe('HTTPResponseTracker content-length', () => {
  const lengthOf = (name: string, value: string) => {
    const t = new HTTPResponseTracker('GET', NO_TRAILERS)
    t.accept({ type: 'http.response.start', status: 200, headers: [[name, value]] })
    return t.contentLength
  }

  it('is read whatever the case of the name', () => {
    expect(lengthOf('content-length', '12')).toBe(12)
    expect(lengthOf('Content-Length', '0')).toBe(0)
    expect(lengthOf('CONTENT-LENGTH', '007')).toBe(7)
    // Fourteen characters, not the name: no length.
    expect(lengthOf('content-lengtx', 'x')).toBe(-1)
  })

  it('must be one or more ASCII digits', () => {
    for (const value of ['', '1a', '-1', ' 1', '1 ', '+1', '1.0', '0x1', '\u00b2']) {
      for (const name of ['content-length', 'Content-Length']) {
        expect(() => lengthOf(name, value), `${name}: ${JSON.stringify(value)}`).toThrow(
          /must be a decimal content-length/,
        )
      }
    }
  })

  it('is refused twice, in any spelling', () => {
    const t = new HTTPResponseTracker('GET', NO_TRAILERS)
    expect(() =>
      t.accept({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-length', '1'],
          ['Content-Length', '1'],
        ],
      }),
    ).toThrow(/second content-length/)
  })
})

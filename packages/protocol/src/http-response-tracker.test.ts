/**
 * The tracker's fast path for well-formed start and body events must never change a verdict:
 * every malformed event is still rejected with exactly the error the full validator gives,
 * and every well-formed one is accepted.
 */
import { describe, expect, it } from 'vitest'
import type { SendEvent } from './application.ts'
import type { Extensions } from './common.ts'
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

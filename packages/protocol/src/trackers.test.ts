/** The ordering rules as state machines: every transition and every failure path. */
import { describe, expect, test } from 'vitest'
import type { SendEvent } from './application.ts'
import { ContentLengthError, InvalidEventError, UnexpectedEventError } from './errors.ts'
import { HTTPResponseTracker } from './http-response-tracker.ts'
import { LifespanTracker } from './lifespan-tracker.ts'
import { WebSocketTracker } from './websocket-tracker.ts'

const b = (n: number) => new Uint8Array(n)
const ext = {
  'http.response.trailers': {},
  'http.response.pathsend': {},
  'websocket.http.response': {},
}
const start = (headers: [string, string][] = [], trailers = false): SendEvent => ({
  type: 'http.response.start',
  status: 200,
  headers,
  trailers,
})

function run(tracker: { accept(e: SendEvent): void }, events: SendEvent[]): unknown {
  try {
    for (const e of events) tracker.accept(e)
    return undefined
  } catch (error) {
    return error
  }
}

describe('HTTPResponseTracker', () => {
  test('start → body parts → complete, counting bytes', () => {
    const t = new HTTPResponseTracker('GET', ext)
    expect(t.started).toBe(false)
    t.accept(start([['Content-Length', '5']]))
    expect(t.started).toBe(true)
    expect(t.contentLength).toBe(5)
    t.accept({ type: 'http.response.body', body: b(2), moreBody: true })
    t.accept({ type: 'http.response.body', body: b(3) })
    expect(t.complete).toBe(true)
    expect(t.bytesSent).toBe(5)
  })

  const unexpected: Array<[string, SendEvent[], RegExp]> = [
    [
      'body before start',
      [{ type: 'http.response.body', body: b(1) }],
      /before http.response.start/,
    ],
    [
      'pathsend before start',
      [{ type: 'http.response.pathsend', path: '/a' }],
      /before http.response.start/,
    ],
    ['trailers before start', [{ type: 'http.response.trailers' }], /before http.response.start/],
    ['a second start', [start(), start()], /twice/],
    [
      'body after completion',
      [start(), { type: 'http.response.body' }, { type: 'http.response.body' }],
      /after the response is complete/,
    ],
    ['start after completion', [start(), { type: 'http.response.body' }, start()], /twice/],
    [
      'trailers without trailers: true',
      [start(), { type: 'http.response.body' }, { type: 'http.response.trailers' }],
      /without trailers: true|after the response is complete/,
    ],
    [
      'trailers before the final body',
      [
        start([], true),
        { type: 'http.response.body', moreBody: true },
        { type: 'http.response.trailers' },
      ],
      /before the final body/,
    ],
    [
      'body after the final body, trailers pending',
      [start([], true), { type: 'http.response.body' }, { type: 'http.response.body' }],
      /only http.response.trailers may follow/,
    ],
    [
      'pathsend after a body',
      [
        start(),
        { type: 'http.response.body', body: b(1), moreBody: true },
        { type: 'http.response.pathsend', path: '/a' },
      ],
      /cannot be mixed/,
    ],
    [
      'trailers after complete trailers',
      [
        start([], true),
        { type: 'http.response.body' },
        { type: 'http.response.trailers' },
        { type: 'http.response.trailers' },
      ],
      /after the response is complete/,
    ],
  ]
  test.each(unexpected)('%s → UnexpectedEventError', (_n, events, reason) => {
    const error = run(new HTTPResponseTracker('GET', ext), events) as UnexpectedEventError
    expect(error).toBeInstanceOf(UnexpectedEventError)
    expect(error.code).toBe('TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT')
    expect(error.message).toMatch(reason)
  })

  test('more bytes than content-length → ContentLengthError at the offending event', () => {
    const t = new HTTPResponseTracker('GET', ext)
    const error = run(t, [
      start([['content-length', '3']]),
      { type: 'http.response.body', body: b(2), moreBody: true },
      { type: 'http.response.body', body: b(2) },
    ])
    expect(error).toBeInstanceOf(ContentLengthError)
    expect((error as ContentLengthError).code).toBe('TSGI_PROTOCOL_ERR_CONTENT_LENGTH')
    expect(t.bytesSent).toBe(2)
    expect(t.complete).toBe(false)
  })

  test('fewer bytes at the end → complete, then ContentLengthError', () => {
    const t = new HTTPResponseTracker('GET', ext)
    const error = run(t, [
      start([['content-length', '3']]),
      { type: 'http.response.body', body: b(1) },
    ])
    expect(error).toBeInstanceOf(ContentLengthError)
    expect(t.complete).toBe(true)
  })

  test('HEAD, 204 and 304 are bodyless: bytes are discarded, never rejected', () => {
    for (const [method, status] of [
      ['HEAD', 200],
      ['GET', 204],
      ['GET', 304],
    ] as const) {
      const t = new HTTPResponseTracker(method, ext)
      t.accept({ type: 'http.response.start', status, headers: [['content-length', '2']] })
      t.accept({ type: 'http.response.body', body: b(10) })
      expect(t.bodyless).toBe(true)
      expect(t.complete).toBe(true)
    }
  })

  test('invalid content-length values and duplicates', () => {
    for (const headers of [
      [['content-length', '-1']],
      [['content-length', '1.5']],
      [
        ['content-length', '1'],
        ['Content-Length', '1'],
      ],
    ] as [string, string][][]) {
      const error = run(new HTTPResponseTracker('GET', ext), [start(headers)])
      expect(error).toBeInstanceOf(InvalidEventError)
    }
  })

  test('trailers and pathsend complete the response', () => {
    const t = new HTTPResponseTracker('GET', ext)
    t.accept(start([], true))
    t.accept({ type: 'http.response.pathsend', path: '/f' })
    expect(t.complete).toBe(false)
    t.accept({ type: 'http.response.trailers', headers: [['x', '1']], moreTrailers: true })
    t.accept({ type: 'http.response.trailers' })
    expect(t.complete).toBe(true)
  })

  test('events of other scopes, and malformed events', () => {
    expect(
      run(new HTTPResponseTracker('GET', ext), [{ type: 'websocket.send', text: 'x' }]),
    ).toBeInstanceOf(InvalidEventError)
    expect(
      run(new HTTPResponseTracker('GET', ext), [{ type: 'http.response.start', status: 42 }]),
    ).toBeInstanceOf(InvalidEventError)
  })
})

describe('WebSocketTracker', () => {
  test('accept → send → close', () => {
    const t = new WebSocketTracker(['v1'], ext)
    t.accept({ type: 'websocket.accept', subprotocol: 'v1' })
    expect(t.phase).toBe('open')
    t.accept({ type: 'websocket.send', text: 'x' })
    t.accept({ type: 'websocket.close' })
    expect([t.phase, t.outcome]).toEqual(['closed', 'accept'])
  })
  test('close before accept is a refusal; a denial completes with its final body', () => {
    const refuse = new WebSocketTracker([], ext)
    refuse.accept({ type: 'websocket.close' })
    expect(refuse.outcome).toBe('close')
    const deny = new WebSocketTracker([], ext)
    deny.accept({ type: 'websocket.http.response.start', status: 403 })
    deny.accept({ type: 'websocket.http.response.body', moreBody: true })
    expect(deny.phase).toBe('denying')
    deny.accept({ type: 'websocket.http.response.body' })
    expect([deny.phase, deny.outcome]).toEqual(['closed', 'deny'])
  })
  const bad: Array<
    [string, SendEvent[], RegExp, typeof UnexpectedEventError | typeof InvalidEventError]
  > = [
    [
      'send before accept',
      [{ type: 'websocket.send', text: 'x' }],
      /before websocket.accept/,
      UnexpectedEventError,
    ],
    [
      'accept twice',
      [{ type: 'websocket.accept' }, { type: 'websocket.accept' }],
      /twice/,
      UnexpectedEventError,
    ],
    [
      'a subprotocol not offered',
      [{ type: 'websocket.accept', subprotocol: 'v2' }],
      /must be one the client offered \(v1\)/,
      InvalidEventError,
    ],
    [
      'anything after close',
      [
        { type: 'websocket.accept' },
        { type: 'websocket.close' },
        { type: 'websocket.send', text: 'x' },
      ],
      /after the session closed/,
      UnexpectedEventError,
    ],
    [
      'accept while denying',
      [{ type: 'websocket.http.response.start', status: 403 }, { type: 'websocket.accept' }],
      /while denying/,
      UnexpectedEventError,
    ],
    [
      'send while denying',
      [
        { type: 'websocket.http.response.start', status: 403 },
        { type: 'websocket.send', text: 'x' },
      ],
      /while denying/,
      UnexpectedEventError,
    ],
    [
      'close while denying',
      [{ type: 'websocket.http.response.start', status: 403 }, { type: 'websocket.close' }],
      /finish the denial body/,
      UnexpectedEventError,
    ],
    [
      'denial after accept',
      [{ type: 'websocket.accept' }, { type: 'websocket.http.response.start', status: 403 }],
      /after websocket.accept/,
      UnexpectedEventError,
    ],
    [
      'denial start twice',
      [
        { type: 'websocket.http.response.start', status: 403 },
        { type: 'websocket.http.response.start', status: 403 },
      ],
      /twice/,
      UnexpectedEventError,
    ],
    [
      'denial body first',
      [{ type: 'websocket.http.response.body' }],
      /before websocket.http.response.start/,
      UnexpectedEventError,
    ],
    [
      'an http event',
      [{ type: 'http.response.start', status: 200 }],
      /not websocket/,
      InvalidEventError,
    ],
  ]
  test.each(bad)('%s', (_n, events, reason, kind) => {
    const error = run(new WebSocketTracker(['v1'], ext), events) as Error
    expect(error).toBeInstanceOf(kind)
    expect(error.message).toMatch(reason)
  })
})

describe('LifespanTracker', () => {
  test('startup and shutdown, with failure messages kept', () => {
    const t = new LifespanTracker()
    t.delivered('lifespan.startup')
    t.accept({ type: 'lifespan.startup.complete' })
    expect(t.phase).toBe('started')
    t.delivered('lifespan.shutdown')
    t.accept({ type: 'lifespan.shutdown.failed', message: 'flush failed' })
    expect([t.phase, t.failure]).toEqual(['stopped', 'flush failed'])
    const f = new LifespanTracker()
    f.delivered('lifespan.startup')
    f.accept({ type: 'lifespan.startup.failed' })
    expect([f.phase, f.failure]).toEqual(['failed', ''])
  })
  const bad: Array<[string, Array<SendEvent | 'startup' | 'shutdown'>, RegExp]> = [
    [
      'complete before startup',
      [{ type: 'lifespan.startup.complete' }],
      /before lifespan.startup was received/,
    ],
    [
      'startup answered twice',
      ['startup', { type: 'lifespan.startup.complete' }, { type: 'lifespan.startup.complete' }],
      /twice, or after startup ended/,
    ],
    [
      'shutdown answer during startup',
      ['startup', { type: 'lifespan.shutdown.complete' }],
      /before lifespan.shutdown was received/,
    ],
    [
      'shutdown answered twice',
      [
        'startup',
        { type: 'lifespan.startup.complete' },
        'shutdown',
        { type: 'lifespan.shutdown.complete' },
        { type: 'lifespan.shutdown.complete' },
      ],
      /twice/,
    ],
    [
      'an http event',
      ['startup', { type: 'http.response.start', status: 200 }],
      /belongs to http scopes|not lifespan/,
    ],
  ]
  test.each(bad)('%s', (_n, steps, reason) => {
    const t = new LifespanTracker()
    let error: unknown
    try {
      for (const s of steps) {
        if (s === 'startup') t.delivered('lifespan.startup')
        else if (s === 'shutdown') t.delivered('lifespan.shutdown')
        else t.accept(s)
      }
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(reason)
  })
})

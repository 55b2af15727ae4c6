/**
 * The server checks well-formed start and body events on a fast path (HTTPResponseTracker):
 * over a real socket, a malformed event must still be refused with the full validator's
 * error, logged and answered 500 (or the response cut) exactly as before, and well-formed
 * responses are unchanged.
 */
import { type Application, type SendEvent, validateSendEvent } from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { rawRequest, startServer, type TestServer, text } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const get = 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'
const extensions = { 'http.response.trailers': {}, 'http.response.pathsend': {} }

const badStarts: Array<[string, unknown]> = [
  ['status as a string', { type: 'http.response.start', status: '200' }],
  ['status 600', { type: 'http.response.start', status: 600 }],
  [
    'a header name with a space',
    { type: 'http.response.start', status: 200, headers: [['a b', 'x']] },
  ],
  [
    'a header value with CR LF',
    { type: 'http.response.start', status: 200, headers: [['x-a', 'a\r\nb']] },
  ],
  ['headers as an object', { type: 'http.response.start', status: 200, headers: { a: 'b' } }],
  ['trailers as a string', { type: 'http.response.start', status: 200, trailers: 'yes' }],
]
const badBodies: Array<[string, unknown]> = [
  ['body as a string', { type: 'http.response.body', body: 'hello' }],
  ['moreBody as a number', { type: 'http.response.body', body: text('x'), moreBody: 1 }],
]

/** Sends `events`, recording what each send rejects with. */
function appSending(events: unknown[]) {
  const rejections: unknown[] = []
  const app: Application = async (_scope, _receive, send) => {
    for (const event of events) {
      try {
        // Deliberately malformed events: the cast is what an untyped app would do.
        await send(event as SendEvent)
      } catch (error) {
        rejections.push(error)
        return
      }
    }
  }
  return { app, rejections }
}

function expectSameError(actual: unknown, event: unknown): void {
  const expected = validateSendEvent(event, { scopeType: 'http', extensions })
  expect(expected).toBeDefined()
  expect(actual).toMatchObject({ code: expected!.code, message: expected!.message })
}

describe('fast event checks over a socket', () => {
  for (const [name, event] of badStarts) {
    test(`a start with ${name}: 500, logged with the validator's error`, async () => {
      const { app, rejections } = appSending([event])
      server = await startServer(app)
      const raw = await rawRequest(server.port, get)
      expect(raw).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/)
      expect(rejections).toHaveLength(1)
      expectSameError(rejections[0], event)
      const [line] = server.logger.lines.filter((l) => l.level === 'error')
      expect(line?.message).toBe('application broke the TSGI contract: GET /')
      expectSameError(line?.error, event)
    })
  }

  for (const [name, event] of badBodies) {
    test(`a body with ${name}: 500 in place of the held start, same error`, async () => {
      const start = { type: 'http.response.start', status: 200 }
      const { app, rejections } = appSending([start, event])
      server = await startServer(app)
      const raw = await rawRequest(server.port, get)
      expect(raw).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/)
      expect(rejections).toHaveLength(1)
      expectSameError(rejections[0], event)
    })
  }

  test('a malformed body after the head went out cuts the response, same error', async () => {
    const event = { type: 'http.response.body', body: 'late' }
    const { app, rejections } = appSending([
      { type: 'http.response.start', status: 200 },
      { type: 'http.response.body', body: text('partial'), moreBody: true },
      event,
    ])
    server = await startServer(app)
    const raw = await rawRequest(server.port, get)
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(raw).toContain('partial')
    expect(raw).not.toContain('0\r\n\r\n')
    expect(rejections).toHaveLength(1)
    expectSameError(rejections[0], event)
  })

  test('well-formed start and body: answered as sent', async () => {
    const { app, rejections } = appSending([
      {
        type: 'http.response.start',
        status: 201,
        headers: [
          ['content-type', 'text/plain'],
          ['content-length', '2'],
        ],
        trailers: false,
      },
      { type: 'http.response.body', body: text('ok'), moreBody: false },
    ])
    server = await startServer(app)
    const raw = await rawRequest(server.port, get)
    expect(raw).toMatch(/^HTTP\/1\.1 201 Created\r\n/)
    expect(raw.toLowerCase()).toContain('content-length: 2\r\n')
    expect(raw.endsWith('\r\n\r\nok')).toBe(true)
    expect(rejections).toHaveLength(0)
    expect(server.logger.lines.filter((l) => l.level === 'error')).toHaveLength(0)
  })
})

import type { Application } from '@tsgi/protocol'
import { beforeEach, expect, test, vi } from 'vitest'
import { createApp, sse, stream } from '../src/index.ts'
import { type AccessLogEntry, accessLog, compress, requestId } from '../src/middleware/index.ts'
import { describeBoth } from './both.ts'
import { DEADLINE, gate, openStream, turn, waitFor, within } from './middleware-helpers.ts'

let entries: AccessLogEntry[] = []
let app: Application
let released = false
let paused = gate()

beforeEach(() => {
  entries = []
  released = false
  paused = gate()
})

const chunks = ['alpha-', 'beta-', 'gamma']

function makeApp() {
  const a = createApp()
  a.use(accessLog({ log: (entry) => entries.push(entry) }), requestId())
  a.get('/hello', () => 'hello')
  a.get('/stream', () =>
    stream(
      (async function* () {
        for (const chunk of chunks) yield chunk
      })(),
    ),
  )
  a.get('/endless', () =>
    stream(
      (async function* () {
        try {
          yield 'first'
          await paused.wait()
          for (;;) {
            yield 'more'
            await new Promise((resolve) => setTimeout(resolve, 5))
          }
        } finally {
          released = true
        }
      })(),
    ),
  )
  a.get('/events', () =>
    sse(
      (async function* () {
        yield 'one'
        yield { data: { n: 2 } }
      })(),
    ),
  )
  const zipped = createApp()
  zipped.use(accessLog({ log: (entry) => entries.push(entry) }), compress({ threshold: 0 }))
  zipped.get('/', () => 'z'.repeat(5000))
  a.mount('/zipped', zipped)
  const failing = createApp({ logger: { error() {} } })
  failing.use(accessLog({ log: (entry) => entries.push(entry) }), () => {
    throw new Error('middleware failed')
  })
  a.mount('/failing', failing)
  const badHook = createApp()
  badHook.use(
    accessLog({
      log: () => {
        throw new Error('hook failed')
      },
    }),
  )
  badHook.get('/', () => 'still served')
  a.mount('/bad-hook', badHook)
  app = a
  return a
}

describeBoth('accessLog', makeApp, (client) => {
  test('a normal response: method, path, status, bytes, duration, request id', async () => {
    const res = await client().request('/hello?x=1', { headers: { 'x-request-id': 'log-1' } })
    expect(res.text()).toBe('hello')
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entries).toHaveLength(1)
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/hello',
      status: 200,
      bytes: 5,
      requestId: 'log-1',
    })
    expect(entry!.durationMs).toBeGreaterThanOrEqual(0)
    expect(entry!.aborted).toBeUndefined()
  })

  test('a 404 is logged with its status and problem body size', async () => {
    const res = await client().request('/nope', { method: 'POST' })
    expect(res.status).toBe(404)
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entry).toMatchObject({ method: 'POST', path: '/nope', status: 404 })
    expect(entry!.bytes).toBe(res.body.byteLength)
    expect(entry!.requestId).toBe(res.header('x-request-id'))
  })

  test('a streamed response is counted as it passes and logged at its end', async () => {
    const res = await client().request('/stream')
    expect(res.text()).toBe(chunks.join(''))
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entry).toMatchObject({ status: 200, bytes: chunks.join('').length })
    expect(entry!.aborted).toBeUndefined()
  })

  test('SSE is logged once the stream ends', async () => {
    const res = await client().request('/events')
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entry).toMatchObject({ path: '/events', status: 200, bytes: res.body.byteLength })
  })

  test('the stream is not buffered: nothing is logged while it is still running', async () => {
    const res = await openStream(client(), app, '/endless')
    expect(new TextDecoder().decode((await within(res.next(), DEADLINE, 'first chunk'))!)).toBe(
      'first',
    )
    // The stream waits on `paused`: whatever else was due has had its turn, and logged nothing.
    await turn()
    expect(entries).toEqual([])
    res.abort()
    paused.open()
    await waitFor(() => entries.length > 0)
  })

  test('a client leaving mid-stream is logged as aborted, and the source is released', async () => {
    const res = await openStream(client(), app, '/endless')
    await within(res.next(), DEADLINE, 'first chunk')
    paused.open()
    await within(res.next(), DEADLINE, 'second chunk')
    res.abort()
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entry).toMatchObject({ path: '/endless', status: 200, aborted: true })
    expect(entry!.bytes).toBeGreaterThanOrEqual('first'.length)
    await waitFor(() => released)
  })

  test('bytes are what went on the wire (after compression inside)', async () => {
    const res = await client().request('/zipped', { headers: { 'accept-encoding': 'gzip' } })
    expect(res.header('content-encoding')).toBe('gzip')
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entry).toMatchObject({ path: '/', bytes: res.body.byteLength })
    expect(entry!.bytes).toBeLessThan(5000)
  })

  test('an error escaping the chain is logged as 500 and still answered', async () => {
    const res = await client().request('/failing')
    expect(res.status).toBe(500)
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entry).toMatchObject({ path: '/', status: 500 })
  })

  test('a failing log hook does not break the response', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const res = await client().request('/bad-hook')
      expect([res.status, res.text()]).toEqual([200, 'still served'])
    } finally {
      write.mockRestore()
    }
  })

  test('HEAD on a stream logs 0 bytes without starting the body', async () => {
    const res = await client().request('/stream', { method: 'HEAD' })
    expect(res.status).toBe(200)
    const [entry] = await waitFor(() => (entries.length ? entries : undefined))
    expect(entry).toMatchObject({ method: 'HEAD', status: 200, bytes: 0 })
  })
})

test('the default log writes one line to stdout', async () => {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  try {
    const a = createApp()
    a.use(requestId({ generate: () => 'id-9' }), accessLog())
    a.get('/x', () => 'xyz')
    await a.request('/x')
    const lines = write.mock.calls.map(([chunk]) => String(chunk))
    expect(lines.some((l) => /^GET \/x 200 \d+\.\dms 3b id-9\n$/.test(l))).toBe(true)
  } finally {
    write.mockRestore()
  }
})

/**
 * The reference server with one deliberate fault, for proving that the conformance suite
 * bites: `node fault-server.ts <fault> <app module> <port> <host>`. Faults are injected by
 * wrapping the application's scope, receive or send, or by changing the server's options —
 * never by patching the server itself.
 */
import { pathToFileURL } from 'node:url'
import {
  type Application,
  type HTTPScope,
  isClientDisconnected,
  LifespanRunner,
  type Receive,
  type Send,
} from '@tsgi/protocol'
import { serve } from '../../src/index.ts'

const [fault = 'none', appFile = '', port = '0', host = '127.0.0.1'] = process.argv.slice(2)
const inner = (await import(pathToFileURL(appFile).href)).default as Application
const state: Record<string, unknown> = {}

type Wrap = (scope: HTTPScope, receive: Receive, send: Send) => [HTTPScope, Receive, Send]
const http =
  (wrap: Wrap): Application =>
  async (scope, receive, send) => {
    if (scope.type !== 'http') return inner(scope, receive, send)
    return inner(...wrap(scope, receive, send))
  }

const faults: Record<string, Application> = {
  none: inner,
  'path-not-decoded': http((s, r, w) => [{ ...s, path: s.rawPath }, r, w]),
  'query-decoded': http((s, r, w) => [
    { ...s, queryString: decodeURIComponent(s.queryString) },
    r,
    w,
  ]),
  'headers-merged': http((s, r, w) => {
    const merged = new Map<string, string>()
    for (const [n, v] of s.headers) merged.set(n, merged.has(n) ? `${merged.get(n)}, ${v}` : v)
    return [{ ...s, headers: [...merged] }, r, w]
  }),
  'headers-not-lowercased': http((s, r, w) => [
    { ...s, headers: s.headers.map(([n, v]) => [n.toUpperCase(), v]) },
    r,
    w,
  ]),
  'state-not-copied': http((s, r, w) => [{ ...s, state }, r, w]),
  'no-500-on-early-throw': http((s, r, w) => {
    const send: Send = (e) => w(e)
    return [s, r, send]
  }),
  'no-backpressure': http((s, r, w) => [
    s,
    r,
    (e) => {
      const p = w(e)
      p.catch(() => {})
      return e.type === 'http.response.body' && e.moreBody === true ? Promise.resolve() : p
    },
  ]),
  'send-resolves-after-disconnect': http((s, r, w) => [
    s,
    r,
    (e) =>
      w(e).catch((error: unknown) => {
        if (!isClientDisconnected(error)) throw error
      }),
  ]),
  'receive-no-disconnect': http((s, r, w) => [
    s,
    async () => {
      const event = await r()
      return event.type === 'http.disconnect' ? new Promise(() => {}) : event
    },
    w,
  ]),
}

let app = faults[fault]
if (
  app === undefined &&
  fault !== 'no-lifespan-wait' &&
  fault !== 'eager-100-continue' &&
  fault !== 'lenient-parser'
)
  throw new Error(`unknown fault ${fault}`)
app ??= inner
if (fault === 'no-500-on-early-throw') {
  // Answer 200 with an empty body instead of letting the server send its 500.
  const wrapped = app
  app = async (scope, receive, send) => {
    let started = false
    const tracked: Send = (e) => {
      started = true
      return send(e)
    }
    try {
      await wrapped(scope, receive, tracked)
    } catch (error) {
      if (started || scope.type !== 'http') throw error
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body' })
    }
  }
}

const options = { port: Number(port), host, accessLog: false, state }
let runner: LifespanRunner | null = null
let handle: Awaited<ReturnType<typeof serve>>
if (fault === 'no-lifespan-wait') {
  // Listen first, run the lifespan afterwards: requests can arrive before startup completed.
  handle = await serve(app, { ...options, lifespan: 'off' })
  runner = new LifespanRunner(state)
  void runner.start(app, 'auto')
} else handle = await serve(app, options)
if (fault === 'eager-100-continue') {
  // Without a checkContinue listener node:http answers 100 Continue at once, eagerly.
  const listeners = handle.server.listeners('checkContinue') as Array<(...args: unknown[]) => void>
  handle.server.removeAllListeners('checkContinue')
  handle.server.on('checkContinue', (req, res) => {
    res.writeContinue()
    for (const l of listeners) l.call(handle.server, req, res)
  })
}
process.stderr.write(`fault server (${fault}) running on ${handle.url}\n`)
process.once('SIGTERM', async () => {
  await handle.close().catch(() => {})
  await runner?.stop().catch(() => {})
  process.exit(0)
})

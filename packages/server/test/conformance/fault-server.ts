/**
 * The reference server with one deliberate fault, for proving that the conformance suite
 * bites: `node fault-server.ts <fault> <app module> <port> <host> [--http2]` (`--http2`: the
 * server serves h2c too, as `tsgi --http2`). Faults are injected by wrapping the application's
 * scope, receive or send, by changing the server's options, by node:http listeners added in
 * front of the server's own (faults-http.ts), or by listeners on its node:http2 server and
 * sessions (faults-h2.ts) — never by patching the server's sources.
 */
import { pathToFileURL } from 'node:url'
import { type Application, LifespanRunner } from '@tsgi/protocol'
import { serve } from '../../src/index.ts'
import { appFaults, drainingApp, withEarly200 } from './faults-app.ts'
import { h2AppFaults, h2ServerFaults, onHttp2Servers } from './faults-h2.ts'
import { httpFaults } from './faults-http.ts'

const [fault = 'none', appFile = '', port = '0', host = '127.0.0.1', ...flags] =
  process.argv.slice(2)
const http2 = flags.includes('--http2')
const inner = (await import(pathToFileURL(appFile).href)).default as Application
const state: Record<string, unknown> = {}
const h2Fault = h2ServerFaults[fault]
if (h2Fault) onHttp2Servers(h2Fault)

/** Faults that only change the server's options. */
const optionFaults: Record<string, Record<string, unknown>> = {}
/** Faults handled below, around serve() itself. */
const serverFaults = ['no-lifespan-wait', 'eager-100-continue', 'lenient-parser']
const wrap = appFaults(inner, state)[fault] ?? h2AppFaults(inner)[fault]
if (
  wrap === undefined &&
  h2Fault === undefined &&
  !(fault in optionFaults) &&
  !(fault in httpFaults) &&
  !serverFaults.includes(fault) &&
  fault !== 'accepts-after-sigterm'
)
  throw new Error(`unknown fault ${fault}`)
let app = wrap ?? inner
if (fault === 'no-500-on-early-throw') app = withEarly200(app)
const draining = fault === 'accepts-after-sigterm' ? drainingApp(app) : null
if (draining) app = draining.app

const options = {
  port: Number(port),
  host,
  accessLog: false,
  state,
  http2,
  ...optionFaults[fault],
}
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
httpFaults[fault]?.(handle.server)
process.stderr.write(`fault server (${fault}) running on ${handle.url}\n`)

const stop = async () => {
  await handle.close().catch(() => {})
  await runner?.stop().catch(() => {})
  process.exit(0)
}
process.once('SIGTERM', () => {
  if (draining === null) return void stop()
  // The fault: close idle connections (as a draining server does) but keep listening and
  // serving new connections until the requests in flight are done.
  handle.server.closeIdleConnections()
  void draining.idle().then(stop)
})

/**
 * The lifespan test app: startup fills `state`; `/state` shows what a request sees, `/mutate`
 * reassigns a top-level key and bumps a shared nested counter, `/hold?t=` stays in flight
 * until the client sends its last body byte (for draining), `/record?t=` shows what it
 * recorded. Shutdown prints a line once the last request finished.
 *
 * Startup waits at the startup gate (gate.ts) when the suite sets one.
 *
 * @module
 */
import type { Application } from '../../application.ts'
import { startupGate } from './gate.ts'
import { hold, json, record, sendRecord } from './record.ts'

let inFlight = 0
let served = 0

const app: Application = async (scope, receive, send) => {
  if (scope.type === 'lifespan') {
    for (;;) {
      const event = await receive()
      if (event.type === 'lifespan.startup') {
        await startupGate()
        Object.assign(scope.state, { ready: true, key: 'original', shared: { n: 0 } })
        await send({ type: 'lifespan.startup.complete' })
      } else if (event.type === 'lifespan.shutdown') {
        process.stdout.write(`lifespan shutdown: ${inFlight} in flight, ${served} served\n`)
        await send({ type: 'lifespan.shutdown.complete' })
        return
      }
    }
  }
  if (scope.type !== 'http') return
  const path = scope.path.slice(scope.rootPath.length)
  if (path === '/record') return sendRecord(scope, send)
  inFlight++
  try {
    const state = scope.state as { ready?: boolean; key?: string; shared?: { n: number } }
    if (path === '/mutate') {
      state.key = 'changed'
      if (state.shared) state.shared.n++
    }
    if (path === '/hold' && !(await hold(receive, record(scope)))) return
    await json(send, 200, { ready: state.ready === true, key: state.key, shared: state.shared })
  } finally {
    inFlight--
    served++
  }
}
export default app

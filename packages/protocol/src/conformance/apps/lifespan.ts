/**
 * The lifespan test app: startup takes 300 ms and fills `state`; `/state` shows what a request
 * sees, `/mutate` reassigns a top-level key and bumps a shared nested counter; `/slow` takes
 * 500 ms (for draining). Shutdown prints a line once the last request finished.
 *
 * @module
 */
import type { Application } from '../../application.ts'
import { json, sleep } from './record.ts'

let inFlight = 0
let served = 0

const app: Application = async (scope, receive, send) => {
  if (scope.type === 'lifespan') {
    for (;;) {
      const event = await receive()
      if (event.type === 'lifespan.startup') {
        await sleep(300)
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
  inFlight++
  try {
    const state = scope.state as { ready?: boolean; key?: string; shared?: { n: number } }
    const path = scope.path.slice(scope.rootPath.length)
    if (path === '/mutate') {
      state.key = 'changed'
      if (state.shared) state.shared.n++
    }
    if (path === '/slow') await sleep(500)
    await json(send, 200, { ready: state.ready === true, key: state.key, shared: state.shared })
  } finally {
    inFlight--
    served++
  }
}
export default app

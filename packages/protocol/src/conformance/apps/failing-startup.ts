/**
 * A test app whose lifespan startup fails (after the startup gate, see gate.ts): a conforming
 * server must not serve, and exits non-zero.
 */
import type { Application } from '../../application.ts'
import { startupGate } from './gate.ts'

const app: Application = async (scope, receive, send) => {
  if (scope.type !== 'lifespan') return
  await receive()
  await startupGate()
  await send({ type: 'lifespan.startup.failed', message: 'conformance: startup failed on purpose' })
}
export default app

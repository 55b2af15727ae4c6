/** A test app whose lifespan startup fails: a conforming server must not serve, and exits non-zero. */
import type { Application } from '../../application.ts'

const app: Application = async (scope, receive, send) => {
  if (scope.type !== 'lifespan') return
  await receive()
  await send({ type: 'lifespan.startup.failed', message: 'conformance: startup failed on purpose' })
}
export default app

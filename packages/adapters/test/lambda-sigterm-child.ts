/**
 * Child process of the shutdownOnSigterm test (not a test file itself): serves one invocation,
 * says so, and waits for SIGTERM. Run with `node --conditions=@tsgi/source`.
 */
import type { Application } from '@tsgi/protocol'
import { toLambda } from '../src/lambda/index.ts'

const app: Application = async (scope, receive, send) => {
  if (scope.type === 'lifespan') {
    for (;;) {
      const event = await receive()
      if (event.type === 'lifespan.startup') {
        process.stdout.write('startup\n')
        await send({ type: 'lifespan.startup.complete' })
      } else {
        process.stdout.write('shutdown\n')
        await send({ type: 'lifespan.shutdown.complete' })
        return
      }
    }
  }
  await receive()
  await send({ type: 'http.response.start', status: 204 })
  await send({ type: 'http.response.body' })
}

const handler = toLambda(app, { shutdownOnSigterm: true })
await handler({ version: '2.0', rawPath: '/', requestContext: { http: { method: 'GET' } } })
process.stdout.write('served\n')
// Keep the process alive until the signal arrives, as the Lambda runtime's event loop does.
setInterval(() => {}, 1 << 30)

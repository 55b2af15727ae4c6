/** The app of `pnpm bench:pipeline`: answers every request with a 2-byte body, at once. */
import type { Application } from '@tsgi/protocol'

const body = new TextEncoder().encode('ok')

const app: Application = async (scope, _receive, send) => {
  if (scope.type !== 'http') return
  await send({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
  await send({ type: 'http.response.body', body })
}
export default app

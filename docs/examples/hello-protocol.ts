import { type Application, UnsupportedScopeError } from '@tsgi/protocol'
import { serve } from '@tsgi/server'

// An application written against the protocol alone: no framework.
export const app: Application = async (scope, receive, send) => {
  // No lifespan, no WebSocket: refuse them, as SPEC.md §2.3 requires (a server learns from the
  // throw that there is no lifespan, and serves without one).
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  let bytes = 0
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') return // the client went away
    bytes += event.body.byteLength
    if (!event.moreBody) break
  }
  const body = new TextEncoder().encode(JSON.stringify({ path: scope.path, bytes }))
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json']],
  })
  await send({ type: 'http.response.body', body })
}

export async function main(): Promise<unknown> {
  const server = await serve(app, { port: 0, accessLog: false })
  try {
    const res = await fetch(`${server.url}/hello`, { method: 'POST', body: 'four' })
    return await res.json() // { path: '/hello', bytes: 4 }
  } finally {
    await server.close()
  }
}

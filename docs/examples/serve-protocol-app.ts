// app.ts — run it with `npx tsgi app.ts:app`, or `node app.ts` for the programmatic form below.
import { type Application, UnsupportedScopeError } from '@tsgi/protocol'
import { serve } from '@tsgi/server'

export const app: Application = async (scope, receive, send) => {
  // Refuse what this app does not handle (SPEC.md §2.3): the server then runs without lifespan.
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  let size = 0
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') return // the client left
    size += event.body.byteLength
    if (!event.moreBody) break
  }
  const body = new TextEncoder().encode(JSON.stringify({ path: scope.path, size }))
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json']],
  })
  await send({ type: 'http.response.body', body })
}

if (import.meta.main) {
  const server = await serve(app, { port: 8000 })
  process.once('SIGTERM', () => server.close())
}

// The same on a free port, one request, then a graceful close (what the docs tests run).
export async function main(): Promise<unknown> {
  await using server = await serve(app, { port: 0, accessLog: false })
  const res = await fetch(`${server.url}/upload`, { method: 'PUT', body: 'hello' })
  return await res.json() // { path: '/upload', size: 5 }
}

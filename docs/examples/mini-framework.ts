import {
  type Application,
  type HTTPScope,
  type Receive,
  type Send,
  UnsupportedScopeError,
} from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'

type Handler = (scope: HTTPScope, body: Uint8Array) => Promise<unknown> | unknown

/** A framework in forty lines: exact-path routes, JSON in and out, and the protocol's rules. */
export function tinyFramework(routes: Record<string, Handler>): Application {
  return async (scope, receive, send) => {
    // Lifespan and WebSocket are not handled: say so, as SPEC.md §2 asks, so servers can tell.
    if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
    const body = await readBody(receive)
    if (body === null) return // the client left: nothing to answer
    const handler = routes[`${scope.method} ${scope.path}`]
    if (!handler) return reply(send, 404, { error: 'not found' })
    try {
      return await reply(send, 200, await handler(scope, body))
    } catch {
      return reply(send, 500, { error: 'internal error' }) // never leak the message
    }
  }
}

async function readBody(receive: Receive): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = []
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') return null // http.disconnect: the client left
    parts.push(event.body)
    if (!event.moreBody) return Buffer.concat(parts)
  }
}

async function reply(send: Send, status: number, value: unknown): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(value))
  await send({
    type: 'http.response.start',
    status,
    headers: [['content-type', 'application/json']],
  })
  await send({ type: 'http.response.body', body })
}

export async function main(): Promise<unknown> {
  const app = tinyFramework({ 'GET /ping': () => ({ pong: true }) })
  // The protocol's test client enforces the same ordering rules as a real server.
  const client = createTestClient(app)
  const ok = await client.request('/ping')
  const missing = await client.request('/nope')
  return { ok: ok.json(), missing: missing.status }
}

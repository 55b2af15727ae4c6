/**
 * A minimal application written directly against the protocol, with no framework: a lifespan
 * that fills `state`, a hello world, a request echo that streams the body back as it arrives,
 * and a WebSocket echo. Used by the README and by the tests.
 *
 * @module
 */
import type { Application, HTTPScope, Receive, Send, WebSocketScope } from '../index.ts'
import { getHeader, UnsupportedScopeError } from '../index.ts'

const utf8 = new TextEncoder()

async function respond(
  send: Send,
  status: number,
  contentType: string,
  text: string,
): Promise<void> {
  const body = utf8.encode(text)
  await send({
    type: 'http.response.start',
    status,
    headers: [
      ['content-type', contentType],
      ['content-length', String(body.byteLength)],
    ],
  })
  await send({ type: 'http.response.body', body })
}

async function http(scope: HTTPScope, receive: Receive, send: Send): Promise<void> {
  const route = scope.path.slice(scope.rootPath.length) || '/'
  if (route === '/' && (scope.method === 'GET' || scope.method === 'HEAD')) {
    const greeting = typeof scope.state.greeting === 'string' ? scope.state.greeting : 'Hello'
    return respond(send, 200, 'text/plain; charset=utf-8', `${greeting}, world!\n`)
  }
  if (route === '/echo' && scope.method === 'POST') {
    // Stream the body back chunk by chunk: nothing is buffered, and `send` applies backpressure.
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [
        ['content-type', getHeader(scope.headers, 'content-type') ?? 'application/octet-stream'],
      ],
    })
    for (;;) {
      const event = await receive()
      if (event.type === 'http.disconnect') return
      if (event.type !== 'http.request') continue
      await send({ type: 'http.response.body', body: event.body, moreBody: event.moreBody })
      if (!event.moreBody) return
    }
  }
  return respond(send, 404, 'text/plain; charset=utf-8', 'Not Found\n')
}

async function websocket(_scope: WebSocketScope, receive: Receive, send: Send): Promise<void> {
  for (;;) {
    const event = await receive()
    if (event.type === 'websocket.connect') await send({ type: 'websocket.accept' })
    else if (event.type === 'websocket.receive') {
      await send(
        event.text != null
          ? { type: 'websocket.send', text: event.text }
          : { type: 'websocket.send', bytes: event.bytes },
      )
    } else return
  }
}

/** The example application. */
export const app: Application = async (scope, receive, send) => {
  switch (scope.type) {
    case 'http':
      return http(scope, receive, send)
    case 'websocket':
      return websocket(scope, receive, send)
    case 'lifespan':
      for (;;) {
        const event = await receive()
        if (event.type === 'lifespan.startup') {
          scope.state.greeting = 'Hello'
          scope.state.startedAt = new Date().toISOString()
          await send({ type: 'lifespan.startup.complete' })
        } else if (event.type === 'lifespan.shutdown') {
          await send({ type: 'lifespan.shutdown.complete' })
          return
        }
      }
    default:
      throw new UnsupportedScopeError((scope as { type: string }).type)
  }
}

export default app

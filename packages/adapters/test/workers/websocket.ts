/**
 * A `toFetch` WebSocket upgrader for Workers, as host.ts uses it: `new WebSocketPair()`, the
 * server end accepted in the worker and the client end returned in a `101` response. (A
 * candidate for `@tsgi/adapters/fetch` beside `bunWebSocket` and `denoWebSocket`; it lives
 * with the Workers tests until then.)
 *
 * @module
 */
import type { WebSocketUpgrader } from '@tsgi/adapters/fetch'

/** The parts of a Workers `WebSocket` the upgrader uses. */
interface WorkersWebSocket {
  binaryType: string
  accept(): void
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
  addEventListener(
    type: 'message' | 'close' | 'error',
    listener: (event: { data?: unknown; code?: number; reason?: string }) => void,
  ): void
}
declare const WebSocketPair: new () => { 0: WorkersWebSocket; 1: WorkersWebSocket }

/**
 * Upgrades through `WebSocketPair`. A Workers `WebSocket` has no `bufferedAmount`, no drain
 * event and no way to stop reading: `send()` never waits (workerd buffers), and unread
 * incoming messages are held to `toFetch`'s `websocketQueue` bound.
 */
export function workersWebSocket(): WebSocketUpgrader {
  return (_request, accept, connection) => {
    const pair = new WebSocketPair()
    const client = pair[0]
    const server = pair[1]
    server.accept()
    // Under this compatibility date binary messages come as a `Blob` (the WHATWG default);
    // the app's `bytes` are made from an `ArrayBuffer`, at once.
    server.binaryType = 'arraybuffer'
    let closed = false
    const close = (code: number, reason: string) => {
      if (closed) return
      closed = true
      connection.close(code, reason)
    }
    server.addEventListener('message', ({ data }) => {
      connection.message(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer))
    })
    server.addEventListener('close', ({ code, reason }) => close(code ?? 1005, reason ?? ''))
    // A connection lost without a close frame (RFC 6455: 1006).
    server.addEventListener('error', () => close(1006, ''))
    connection.open({
      send(data) {
        server.send(data)
        return true
      },
      close: (code, reason) => server.close(code, reason),
    })
    const headers = new Headers()
    for (const [name, value] of accept.headers) headers.append(name, value)
    if (accept.protocol !== null) headers.set('sec-websocket-protocol', accept.protocol)
    // `webSocket` is Workers' own `ResponseInit` field: the client end the runtime hands over.
    return new Response(null, { status: 101, headers, webSocket: client } as ResponseInit)
  }
}

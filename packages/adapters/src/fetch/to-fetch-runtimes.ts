/**
 * The {@link WebSocketUpgrader}s of Bun and Deno, typed by shape: nothing here reads a global,
 * so the module loads on any runtime. A host passes what its runtime gives it.
 *
 * @module
 */
import type { FileOpener } from './to-fetch-pathsend.ts'
import type { WebSocketConnection, WebSocketPeer, WebSocketUpgrader } from './to-fetch-websocket.ts'

/** Bytes a socket may buffer before `send()` waits (Deno's `bufferedAmount`). */
const HIGH_WATER_MARK = 64 * 1024

/** The part of Bun's `ServerWebSocket` used here. */
export interface BunServerWebSocket {
  /** What `server.upgrade()` was given as `data`. */
  readonly data: unknown
  /** Returns -1 when the message was queued under backpressure, 0 when dropped, else bytes sent. */
  send(data: string | Uint8Array): number
  /** Closes with `code` and `reason`. */
  close(code?: number, reason?: string): void
  /** Stops reading from the socket (Bun 1.3+): TCP then holds the peer back. */
  pause?(): void
  /** Reads from the socket again. */
  resume?(): void
}

/** The part of Bun's `Server` used here (the second argument of Bun's `fetch`). */
export interface BunServer {
  /** Bun's native upgrade; `false` when the request is no valid WebSocket handshake. */
  upgrade(request: Request, options: { headers?: Headers; data?: unknown }): boolean
}

/** The `websocket` handlers object `Bun.serve()` takes. */
export interface BunWebSocketHandlers {
  open(ws: BunServerWebSocket): void
  message(ws: BunServerWebSocket, message: string | Uint8Array): void
  drain(ws: BunServerWebSocket): void
  close(ws: BunServerWebSocket, code: number, reason: string): void
}

const connectionOf = (ws: BunServerWebSocket): WebSocketConnection => ws.data as WebSocketConnection

const headersOf = (protocol: string | null, list: ReadonlyArray<readonly [string, string]>) => {
  const headers = new Headers()
  for (const [name, value] of list) headers.append(name, value)
  if (protocol !== null) headers.set('sec-websocket-protocol', protocol)
  return headers
}

/**
 * WebSocket for `Bun.serve`: `upgrade` goes to `toFetch(app, { websocket: upgrade })`,
 * `handlers` to `Bun.serve({ websocket: handlers })`. The connection travels in `ws.data`;
 * `ws.send()` returning -1 holds the app's `send()` until Bun's `drain`, and `ws.pause()` /
 * `ws.resume()` (where this Bun has them) stop reading while the app is behind.
 *
 * @example
 * ```ts
 * const ws = bunWebSocket()
 * const handler = toFetch(app, { websocket: ws.upgrade })
 * Bun.serve({ fetch: handler.fetch, websocket: ws.handlers })
 * ```
 */
export function bunWebSocket(): { upgrade: WebSocketUpgrader; handlers: BunWebSocketHandlers } {
  return {
    upgrade(request, accept, connection, env) {
      const server = env as BunServer | undefined
      if (typeof server?.upgrade !== 'function')
        throw new TypeError('bunWebSocket: the fetch handler was not given Bun’s server')
      const headers = headersOf(accept.protocol, accept.headers)
      if (!server.upgrade(request, { headers, data: connection }))
        throw new TypeError('Bun refused the WebSocket upgrade')
      // Bun answers the handshake itself and ignores what the fetch handler returns.
      return new Response(null)
    },
    handlers: {
      open(ws) {
        const peer: WebSocketPeer = {
          send: (data) => ws.send(data) !== -1,
          close: (code, reason) => ws.close(code, reason),
        }
        if (typeof ws.pause === 'function' && typeof ws.resume === 'function') {
          peer.pause = () => ws.pause?.()
          peer.resume = () => ws.resume?.()
        }
        connectionOf(ws).open(peer)
      },
      message(ws, message) {
        // Bun gives a Buffer for binary frames: hand the app a plain Uint8Array view.
        connectionOf(ws).message(
          typeof message === 'string'
            ? message
            : new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
        )
      },
      drain: (ws) => connectionOf(ws).drain(),
      close: (ws, code, reason) => connectionOf(ws).close(code, reason),
    },
  }
}

/** The part of a standard `WebSocket` (Deno's server socket) used here. */
export interface StandardWebSocket {
  binaryType: string
  readonly bufferedAmount: number
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
  addEventListener(
    type: 'open' | 'message' | 'close',
    listener: (event: { data?: unknown; code?: number; reason?: string }) => void,
  ): void
}

/** `Deno.upgradeWebSocket`'s shape. */
export type DenoUpgradeWebSocket = (
  request: Request,
  options?: { protocol?: string },
) => { socket: StandardWebSocket; response: Response }

/**
 * WebSocket for `Deno.serve`: `toFetch(app, { websocket: denoWebSocket(Deno.upgradeWebSocket) })`.
 * A standard `WebSocket` has no drain event, so while `bufferedAmount` is above 64 KiB the
 * app's `send()` waits, checking again on a short timer. Nor can it stop reading: a session
 * whose unread messages pass `toFetch`'s `websocketQueue` bound is closed with 1008.
 */
export function denoWebSocket(upgradeWebSocket: DenoUpgradeWebSocket): WebSocketUpgrader {
  return (request, accept, connection) => {
    const { socket, response } = upgradeWebSocket(
      request,
      accept.protocol === null ? {} : { protocol: accept.protocol },
    )
    for (const [name, value] of accept.headers) response.headers.append(name, value)
    socket.binaryType = 'arraybuffer'
    let closed = false
    const watchDrain = (delay: number): void => {
      setTimeout(() => {
        if (closed) return
        if (socket.bufferedAmount <= HIGH_WATER_MARK) connection.drain()
        else watchDrain(Math.min(delay * 2, 50))
      }, delay)
    }
    socket.addEventListener('open', () =>
      connection.open({
        send(data) {
          socket.send(data)
          if (socket.bufferedAmount <= HIGH_WATER_MARK) return true
          watchDrain(1)
          return false
        },
        close: (code, reason) => socket.close(code, reason),
      }),
    )
    socket.addEventListener('message', ({ data }) => {
      connection.message(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer))
    })
    socket.addEventListener('close', ({ code, reason }) => {
      closed = true
      // Deno reports a connection lost without a close frame as code 0; RFC 6455 calls it 1006.
      connection.close(code !== undefined && code >= 1000 ? code : 1006, reason ?? '')
    })
    return response
  }
}

/** The part of Bun's `BunFile` used here (a lazy `Blob`). */
export interface BunFile extends Blob {
  exists(): Promise<boolean>
}

/**
 * pathsend for Bun: `toFetch(app, { files: bunFiles(Bun.file) })`. The `BunFile` is the
 * `Response` body, which Bun sends with sendfile. A missing file rejects with `ENOENT`.
 */
export function bunFiles(file: (path: string) => BunFile): FileOpener {
  return async (path) => {
    const f = file(path)
    if (!(await f.exists()))
      throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' })
    return { body: f, size: f.size }
  }
}

/** The part of a `Deno.FsFile` used here. */
export interface DenoFsFile {
  readonly readable: ReadableStream<Uint8Array>
  stat(): Promise<{ size: number }>
  close(): void
}

/**
 * pathsend for Deno: `toFetch(app, { files: denoFiles(Deno.open) })`. The file's `readable`
 * is the `Response` body (it closes the file when done or cancelled).
 */
export function denoFiles(open: (path: string) => Promise<DenoFsFile>): FileOpener {
  return async (path) => {
    const f = await open(path)
    try {
      return { body: f.readable, size: (await f.stat()).size }
    } catch (error) {
      f.close()
      throw error
    }
  }
}

/**
 * WebSocket sessions of `toFetch`: a `websocket` scope driven through the host's native
 * upgrade. The runtime-specific part is a small {@link WebSocketUpgrader} the host passes in
 * (see `bunWebSocket()` and `denoWebSocket()`); nothing here touches a runtime global.
 *
 * @module
 */
import {
  type Application,
  ClientDisconnectedError,
  type HeaderList,
  isClientDisconnected,
  type SendEvent,
  TSGI_VERSION,
  type WebSocketIncomingEvent,
  type WebSocketScope,
  WebSocketTracker,
} from '@tsgi/protocol'
import { requestFields, type ScopeBase } from './to-fetch-scope.ts'
import { waitUntilOf } from './to-fetch-wait-until.ts'
import { IncomingQueue, QUEUE_FULL, type WebSocketQueueLimit } from './to-fetch-websocket-queue.ts'

/** The host's side of an open WebSocket, as `toFetch` drives it. */
export interface WebSocketPeer {
  /**
   * Sends one message. Returns `false` when the host's send buffer is full: `toFetch` then
   * waits for {@link WebSocketConnection.drain} before the app's `send()` resolves.
   */
  send(data: string | Uint8Array): boolean
  /** Starts the closing handshake with `code` and `reason`. */
  close(code: number, reason: string): void
  /**
   * Stops reading from the socket (Bun's `ws.pause()`), so a peer sending faster than the app
   * receives is held back by TCP; `toFetch` calls it while 64 messages or 1 MiB wait for the
   * app. Give both or neither: without them, a session whose unread messages pass
   * `toFetch`'s `websocketQueue` bound is closed with 1008.
   */
  pause?(): void
  /** Reads from the socket again (Bun's `ws.resume()`), once the app is below half of both. */
  resume?(): void
}

/** `toFetch`'s side of a WebSocket: the host reports what its socket does here. */
export interface WebSocketConnection {
  /** The socket is open; `peer` sends and closes. Called once, before any other method. */
  open(peer: WebSocketPeer): void
  /** A complete message arrived (a string for a text frame, bytes for a binary one). */
  message(data: string | Uint8Array): void
  /** The send buffer emptied after {@link WebSocketPeer.send} returned `false`. */
  drain(): void
  /** The session ended: the peer's close code (1005 without one, 1006 when the connection was lost). */
  close(code: number, reason: string): void
}

/** What the application accepted: the handshake answer's subprotocol and extra headers. */
export interface WebSocketAccept {
  /** The subprotocol chosen, or `null`. */
  protocol: string | null
  /** Extra `101` response headers (the runtime may not send them all; see the README). */
  headers: HeaderList
}

/**
 * Upgrades `request` with the runtime's native API and returns what the fetch handler must
 * return (Deno's `101` response; for Bun, whose `server.upgrade()` answers by itself, any
 * `Response`: Bun ignores it). Throws when the runtime refuses the upgrade. `env` and `ctx` are
 * the host's extra fetch arguments (Bun's `server`).
 */
export type WebSocketUpgrader = (
  request: Request,
  accept: WebSocketAccept,
  connection: WebSocketConnection,
  env: unknown,
  ctx: unknown,
) => Response

/** An open session as `toFetch().close()` sees it. */
export interface LiveSession {
  /** Closes with 1012 (SPEC §6.4.3: the server is shutting down); resolves once the app returned. */
  shutdown(): Promise<void>
}

/** Whether `request` asks for a WebSocket (RFC 6455 §4.1: GET with `Upgrade: websocket`). */
export function isWebSocketRequest(request: Request): boolean {
  return (
    request.method === 'GET' &&
    /(^|,)\s*websocket\s*(,|$)/i.test(request.headers.get('upgrade') ?? '')
  )
}

/** Builds the `websocket` scope of `request`. */
export function websocketScopeOf(request: Request, base: ScopeBase): WebSocketScope {
  const { secure, ...fields } = requestFields(request, base.rootPath)
  const offered = request.headers.get('sec-websocket-protocol') ?? ''
  return {
    type: 'websocket',
    tsgi: TSGI_VERSION,
    httpVersion: '1.1',
    scheme: secure ? 'wss' : 'ws',
    ...fields,
    rootPath: base.rootPath,
    client: base.client,
    subprotocols: offered
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    state: { ...base.state },
    extensions: { ...base.extensions, 'websocket.http.response': {} },
  }
}

/** How long `close()` waits for a peer to answer the 1012 close frame. */
const CLOSE_TIMEOUT_MS = 2000

const textOf = (body: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(body.reduce((n, b) => n + b.byteLength, 0))
  let at = 0
  for (const b of body) {
    out.set(b, at)
    at += b.byteLength
  }
  return out
}

/**
 * Runs one WebSocket session of `app`. Resolves with the `Response` the fetch handler returns:
 * the upgrader's on accept, 403 on a close before accept (or a return without an answer), 500
 * when the app throws first, or the app's denial response.
 */
export function websocketExchange(
  app: Application,
  request: Request,
  scope: WebSocketScope,
  upgrader: WebSocketUpgrader,
  hostArgs: { env: unknown; ctx: unknown },
  onError: (error: unknown) => void,
  sessions: Set<LiveSession>,
  limit: Required<WebSocketQueueLimit>,
): Promise<Response> {
  const tracker = new WebSocketTracker(scope.subprotocols, scope.extensions)
  const queue = new IncomingQueue(limit)
  let waiting: (() => void) | null = null
  let ended: { code: number; reason: string } | null = null
  let peer: WebSocketPeer | null = null
  let drained: (() => void) | null = null
  // Deno opens the socket after the 101 response was returned; Bun inside `server.upgrade()`.
  let opened!: () => void
  const open = new Promise<void>((r) => {
    opened = r
  })
  let answered = false
  let resolve!: (response: Response) => void
  const result = new Promise<Response>((r) => {
    resolve = r
  })
  const answer = (response: Response): void => {
    if (answered) return
    answered = true
    resolve(response)
  }
  const denial: { status: number; headers: HeaderList; body: Uint8Array[] } = {
    status: 0,
    headers: [],
    body: [],
  }

  let closedByPeer!: () => void
  const peerClosed = new Promise<void>((r) => {
    closedByPeer = r
  })
  const end = (code: number, reason: string): void => {
    if (ended !== null) return
    ended = { code, reason }
    // A paused socket would not read the peer's answer to the close frame.
    queue.unpause(peer)
    opened()
    waiting?.()
    drained?.()
  }
  const connection: WebSocketConnection = {
    open: (p) => {
      peer = p
      opened()
    },
    message: (data) => {
      if (ended !== null) return
      const fits = queue.push(
        typeof data === 'string'
          ? { type: 'websocket.receive', text: data }
          : { type: 'websocket.receive', bytes: data },
        typeof data === 'string' ? data.length : data.byteLength,
        peer,
      )
      if (!fits) {
        // The runtime cannot stop reading and the app is this far behind: end the session
        // rather than hold without bound. The app still gets what was queued, then the close.
        ;(peer as WebSocketPeer | null)?.close(QUEUE_FULL.code, QUEUE_FULL.reason)
        end(QUEUE_FULL.code, QUEUE_FULL.reason)
      }
      waiting?.()
    },
    drain: () => drained?.(),
    close: (code, reason) => {
      closedByPeer()
      end(code, reason)
    },
  }

  const receive = async (): Promise<WebSocketIncomingEvent> => {
    for (;;) {
      const next = queue.shift(ended === null ? peer : null)
      if (next !== undefined) return next
      if (ended !== null) return { type: 'websocket.disconnect', ...ended }
      await new Promise<void>((r) => {
        waiting = r
      })
      waiting = null
    }
  }

  const send = async (event: SendEvent): Promise<void> => {
    if (ended !== null) throw new ClientDisconnectedError()
    tracker.accept(event)
    switch (event.type) {
      case 'websocket.accept': {
        const accept = { protocol: event.subprotocol ?? null, headers: event.headers ?? [] }
        try {
          answer(upgrader(request, accept, connection, hostArgs.env, hostArgs.ctx))
        } catch (error) {
          // The runtime refused (say a handshake it finds invalid): the session never opened.
          end(1006, '')
          answer(new Response('WebSocket upgrade failed', { status: 400 }))
          throw new ClientDisconnectedError(error instanceof Error ? error.message : undefined)
        }
        return
      }
      case 'websocket.send': {
        if (peer === null) await open
        if (ended !== null || peer === null) throw new ClientDisconnectedError()
        const ok = (peer as WebSocketPeer).send(event.text ?? (event.bytes as Uint8Array))
        // Backpressure: the host's buffer is full; wait until it drains or the peer leaves.
        if (!ok && ended === null)
          await new Promise<void>((r) => {
            drained = r
          })
        drained = null
        if (ended !== null) throw new ClientDisconnectedError()
        return
      }
      case 'websocket.close':
        if (tracker.outcome === 'close') {
          answer(new Response(null, { status: 403 }))
          end(1006, '')
        } else {
          if (peer === null) await open
          ;(peer as WebSocketPeer | null)?.close(event.code ?? 1000, event.reason ?? '')
        }
        return
      case 'websocket.http.response.start':
        denial.status = event.status
        denial.headers = event.headers ?? []
        return
      case 'websocket.http.response.body':
        // Denial bodies are short: held until complete, then answered in one Response.
        if (event.body !== undefined) denial.body.push(event.body)
        if (event.moreBody !== true) {
          const headers = new Headers()
          for (const [name, value] of denial.headers) headers.append(name, value)
          answer(new Response(textOf(denial.body), { status: denial.status, headers }))
          end(1006, '')
        }
        return
    }
  }

  const session: LiveSession = {
    shutdown: async () => {
      if (ended === null) {
        ;(peer as WebSocketPeer | null)?.close(1012, 'server shutting down')
        end(1012, 'server shutting down')
      }
      await done
      if (peer === null) return
      // The closing handshake: a host stopping right away (Deno's shutdown) would replace our
      // close frame with its own. A peer that never answers is not waited for past the bound.
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        peerClosed,
        new Promise<void>((r) => {
          timer = setTimeout(r, CLOSE_TIMEOUT_MS)
        }),
      ])
      clearTimeout(timer)
    },
  }
  sessions.add(session)
  const done = Promise.resolve()
    .then(() => app(scope, receive, send))
    .then(
      () => {
        if (!answered) answer(new Response(null, { status: 403 }))
        // An app that returns with the session open ends it normally.
        if (ended === null) (peer as WebSocketPeer | null)?.close(1000, '')
      },
      (error: unknown) => {
        if (!isClientDisconnected(error)) onError(error)
        if (!answered) answer(new Response('Internal Server Error', { status: 500 }))
        if (ended === null) (peer as WebSocketPeer | null)?.close(1011, '')
      },
    )
    .finally(() => sessions.delete(session))
  waitUntilOf(hostArgs.ctx)?.(done)
  return result
}

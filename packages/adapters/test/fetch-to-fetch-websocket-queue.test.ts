/**
 * toFetch's bound on WebSocket messages an app has not received: a peer that can pause is
 * paused at 64 messages or 1 MiB and resumed below half, losing nothing; one that cannot is
 * closed with 1008 past `websocketQueue`, its app getting the queued messages, then the
 * disconnect; bunWebSocket() passes Bun's pause/resume on. With stand-ins of the runtimes
 * here; test/runtime-to-fetch-limits.test.ts runs it on Bun and Deno over real sockets.
 */
import type { Application, ReceiveEvent } from '@tsgi/protocol'
import { describe, expect, it } from 'vitest'
import {
  type BunServerWebSocket,
  bunWebSocket,
  FetchAdapterErrorCode,
  toFetch,
  type WebSocketConnection,
  type WebSocketPeer,
  type WebSocketUpgrader,
} from '../src/fetch/index.ts'
import { deferred, until } from './fetch-helpers.ts'

const wsRequest = () =>
  new Request('http://h/ws', {
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    },
  })

/** A stand-in runtime whose peer can pause (`pausable`) or not; records what it was asked. */
function runtime(pausable: boolean) {
  const r = {
    connection: null as WebSocketConnection | null,
    calls: [] as string[],
    closed: null as { code: number; reason: string } | null,
  }
  const upgrader: WebSocketUpgrader = (_request, _accept, connection) => {
    r.connection = connection
    const peer: WebSocketPeer = {
      send: () => true,
      close: (code, reason) => {
        r.closed = { code, reason }
      },
    }
    if (pausable) {
      peer.pause = () => r.calls.push('pause')
      peer.resume = () => r.calls.push('resume')
    }
    connection.open(peer)
    return new Response(null)
  }
  return { r, upgrader }
}

/** Accepts, then receives nothing until `gate`; then records every event to the disconnect. */
function slowApp(gate: Promise<void>, events: ReceiveEvent[]): Application {
  return async (scope, receive, send) => {
    if (scope.type !== 'websocket') return
    await receive()
    await send({ type: 'websocket.accept' })
    await gate
    for (;;) {
      const event = await receive()
      events.push(event)
      if (event.type === 'websocket.disconnect') return
    }
  }
}

const texts = (events: ReceiveEvent[]) =>
  events.flatMap((e) => (e.type === 'websocket.receive' ? [e.text ?? e.bytes?.byteLength] : []))

describe('toFetch: incoming WebSocket messages an app has not received', () => {
  it('a pausable peer is paused at 64 messages and resumed below 32; nothing is lost', async () => {
    const gate = deferred()
    const events: ReceiveEvent[] = []
    const { r, upgrader } = runtime(true)
    await toFetch(slowApp(gate.promise, events), { websocket: upgrader }).fetch(wsRequest())
    await until(() => r.connection !== null, 'the upgrade')
    const c = r.connection as WebSocketConnection
    for (let i = 0; i < 63; i++) c.message(`m${i}`)
    expect(r.calls).toEqual([])
    c.message('m63')
    expect(r.calls).toEqual(['pause'])
    // What a runtime read before its pause took hold still arrives, and is kept.
    for (let i = 64; i < 100; i++) c.message(`m${i}`)
    expect(r.calls).toEqual(['pause'])
    gate.resolve()
    await until(() => events.length === 100, 'every message')
    expect(r.calls).toEqual(['pause', 'resume'])
    expect(texts(events)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`))
    expect(r.closed).toBeNull()
    c.close(1000, '')
    await until(() => events.length === 101, 'the disconnect')
  })

  it('a pausable peer is paused at 1 MiB of bytes too', async () => {
    const events: ReceiveEvent[] = []
    const { r, upgrader } = runtime(true)
    await toFetch(slowApp(new Promise(() => {}), events), { websocket: upgrader }).fetch(
      wsRequest(),
    )
    await until(() => r.connection !== null, 'the upgrade')
    const c = r.connection as WebSocketConnection
    c.message(new Uint8Array(600 * 1024))
    expect(r.calls).toEqual([])
    c.message(new Uint8Array(600 * 1024))
    expect(r.calls).toEqual(['pause'])
  })

  it('a session ending while paused resumes reading (its close handshake must be read)', async () => {
    const events: ReceiveEvent[] = []
    const { r, upgrader } = runtime(true)
    const handler = toFetch(slowApp(new Promise(() => {}), events), {
      websocket: upgrader,
      timeoutGracefulShutdown: 0.05,
    })
    await handler.fetch(wsRequest())
    await until(() => r.connection !== null, 'the upgrade')
    for (let i = 0; i < 64; i++) r.connection?.message('x')
    await handler.close()
    expect(r.calls).toEqual(['pause', 'resume'])
    expect(r.closed).toEqual({ code: 1012, reason: 'server shutting down' })
  })

  for (const [bound, limit, message] of [
    ['messages', { messages: 10 }, () => 'small'],
    ['bytes', { bytes: 1000 }, () => new Uint8Array(300)],
  ] as const) {
    it(`a peer that cannot pause is closed with 1008 past the bound (${bound}); the app gets the queue, then the close`, async () => {
      const gate = deferred()
      const events: ReceiveEvent[] = []
      const { r, upgrader } = runtime(false)
      const handler = toFetch(slowApp(gate.promise, events), {
        websocket: upgrader,
        websocketQueue: limit,
      })
      await handler.fetch(wsRequest())
      await until(() => r.connection !== null, 'the upgrade')
      const c = r.connection as WebSocketConnection
      const fits = bound === 'messages' ? 10 : 3
      for (let i = 0; i < fits; i++) c.message(message())
      expect(r.closed).toBeNull()
      c.message(message())
      expect(r.closed).toEqual({ code: 1008, reason: 'receive queue full' })
      // Later messages are dropped: the session is over.
      c.message(message())
      gate.resolve()
      await until(() => events.length === fits + 2, 'the queue and the disconnect')
      expect(texts(events)).toHaveLength(fits + 1)
      expect(events.at(-1)).toEqual({
        type: 'websocket.disconnect',
        code: 1008,
        reason: 'receive queue full',
      })
    })
  }

  it('refuses a bad websocketQueue with a precise error', () => {
    for (const bad of [{ messages: 0 }, { bytes: 1.5 }, { messages: '5' }]) {
      expect(() =>
        toFetch(async () => {}, { websocketQueue: bad as { messages?: number } }),
      ).toThrow(
        expect.objectContaining({
          code: FetchAdapterErrorCode.option,
          message: expect.stringMatching(
            /websocketQueue\.(messages|bytes) must be an integer >= 1/,
          ),
        }),
      )
    }
  })
})

describe('bunWebSocket(): read pausing', () => {
  /** A stand-in of Bun's ServerWebSocket; `pausable` gives it Bun 1.3's pause/resume. */
  function bunSocket(connection: unknown, pausable: boolean) {
    const calls: string[] = []
    const ws: BunServerWebSocket = {
      data: connection,
      send: () => 1,
      close: () => calls.push('close'),
    }
    if (pausable) {
      ws.pause = () => calls.push('pause')
      ws.resume = () => calls.push('resume')
    }
    return { ws, calls }
  }

  for (const pausable of [true, false]) {
    it(`${pausable ? 'passes ws.pause()/resume() on' : 'without them, the peer cannot pause'}`, () => {
      const { handlers } = bunWebSocket()
      let peer: WebSocketPeer | null = null
      const connection: WebSocketConnection = {
        open: (p) => {
          peer = p
        },
        message: () => {},
        drain: () => {},
        close: () => {},
      }
      const { ws, calls } = bunSocket(connection, pausable)
      handlers.open(ws)
      const p = peer as WebSocketPeer | null
      expect(typeof p?.pause).toBe(pausable ? 'function' : 'undefined')
      expect(typeof p?.resume).toBe(pausable ? 'function' : 'undefined')
      p?.pause?.()
      p?.resume?.()
      expect(calls).toEqual(pausable ? ['pause', 'resume'] : [])
    })
  }
})

/**
 * toFetch's WebSocket sessions in memory: a stand-in upgrader plays the runtime, so every
 * mapping is checked without Bun or Deno (test/runtime-to-fetch.test.ts runs them for real):
 * the scope, accept (subprotocol, headers), messages both ways, close codes both ways,
 * backpressure until drain, a lost peer, close/return/throw before accept, the denial
 * response, a refused upgrade; and the Bun and Deno upgraders against stand-ins of their APIs.
 */
import {
  type Application,
  isClientDisconnected,
  type ReceiveEvent,
  type WebSocketScope,
} from '@tsgi/protocol'
import { describe, expect, it } from 'vitest'
import {
  type BunServerWebSocket,
  bunWebSocket,
  denoWebSocket,
  type StandardWebSocket,
  toFetch,
  type WebSocketAccept,
  type WebSocketConnection,
  type WebSocketUpgrader,
} from '../src/fetch/index.ts'
import { deferred, until } from './fetch-helpers.ts'

const wsRequest = (path = '/ws', protocols?: string) =>
  new Request(`http://h${path}`, {
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      ...(protocols ? { 'sec-websocket-protocol': protocols } : {}),
    },
  })

/** A runtime stand-in: records what toFetch asks; `full` makes sends report backpressure. */
function standIn(openLater = true) {
  const s = {
    accept: null as WebSocketAccept | null,
    connection: null as WebSocketConnection | null,
    sent: [] as Array<string | Uint8Array>,
    closed: null as { code: number; reason: string } | null,
    full: false,
  }
  const upgrader: WebSocketUpgrader = (_request, accept, connection) => {
    s.accept = accept
    s.connection = connection
    const open = () =>
      connection.open({
        send: (data) => {
          s.sent.push(data)
          return !s.full
        },
        close: (code, reason) => {
          s.closed = { code, reason }
          // The peer answers the close frame: the runtime reports the session's end.
          queueMicrotask(() => connection.close(code, reason))
        },
      })
    // Deno opens after the 101 went out, Bun inside its upgrade call: both orders are served.
    if (openLater) queueMicrotask(open)
    else open()
    return new Response(null, { status: 200, headers: { 'x-upgraded': 'yes' } })
  }
  return { s, upgrader }
}

interface Seen {
  scope?: WebSocketScope
  events: ReceiveEvent[]
  errors: unknown[]
}

/** Accepts with `chat`, echoes, and closes on `close:<code>`; records everything. */
function echoApp(seen: Seen): Application {
  return async (scope, receive, send) => {
    if (scope.type !== 'websocket') throw new Error('websocket only')
    seen.scope = scope
    seen.events.push(await receive())
    await send({ type: 'websocket.accept', subprotocol: 'chat', headers: [['x-a', '1']] })
    for (;;) {
      const event = await receive()
      seen.events.push(event)
      if (event.type === 'websocket.disconnect') {
        try {
          await send({ type: 'websocket.send', text: 'late' })
        } catch (error) {
          seen.errors.push(error)
        }
        seen.events.push(await receive())
        return
      }
      if (event.type !== 'websocket.receive') continue
      if (event.text?.startsWith('close:'))
        await send({ type: 'websocket.close', code: Number(event.text.slice(6)), reason: 'asked' })
      else if (event.text != null)
        await send({ type: 'websocket.send', text: `echo:${event.text}` })
      else await send({ type: 'websocket.send', bytes: event.bytes as Uint8Array })
    }
  }
}

describe('toFetch: websocket scopes through an upgrader', () => {
  for (const openLater of [true, false]) {
    it(`scope, accept, messages both ways, app close (open ${openLater ? 'after' : 'during'} the upgrade)`, async () => {
      const seen: Seen = { events: [], errors: [] }
      const { s, upgrader } = standIn(openLater)
      const handler = toFetch(echoApp(seen), { websocket: upgrader, rootPath: '/m' })
      const res = await handler.fetch(wsRequest('/ws?x=1', 'other, chat'))
      expect(res.headers.get('x-upgraded')).toBe('yes')
      expect(s.accept).toEqual({ protocol: 'chat', headers: [['x-a', '1']] })
      expect(seen.scope).toMatchObject({
        type: 'websocket',
        scheme: 'ws',
        path: '/m/ws',
        rawPath: '/m/ws',
        rootPath: '/m',
        queryString: 'x=1',
        subprotocols: ['other', 'chat'],
        extensions: { 'websocket.http.response': {} },
      })
      const c = s.connection as WebSocketConnection
      c.message('hé')
      c.message(new Uint8Array([0, 255]))
      await until(() => s.sent.length === 2, 'two echoes')
      expect(s.sent).toEqual(['echo:hé', new Uint8Array([0, 255])])
      c.message('close:4001')
      await until(() => s.closed !== null, 'the close')
      expect(s.closed).toEqual({ code: 4001, reason: 'asked' })
      c.close(4001, 'asked')
      await until(() => seen.events.length === 6, 'the disconnect')
      expect(seen.events.slice(4)).toEqual([
        { type: 'websocket.disconnect', code: 4001, reason: 'asked' },
        { type: 'websocket.disconnect', code: 4001, reason: 'asked' },
      ])
      expect(seen.errors.map(isClientDisconnected)).toEqual([true])
    })
  }

  it('a lost peer: 1006, send() rejects, receive() keeps yielding the disconnect', async () => {
    const seen: Seen = { events: [], errors: [] }
    const { s, upgrader } = standIn()
    await toFetch(echoApp(seen), { websocket: upgrader }).fetch(wsRequest('/ws', 'chat'))
    await until(() => s.connection !== null, 'the upgrade')
    s.connection?.close(1006, '')
    await until(() => seen.events.length === 3, 'the disconnect')
    expect(seen.events.slice(1)).toEqual([
      { type: 'websocket.disconnect', code: 1006, reason: '' },
      { type: 'websocket.disconnect', code: 1006, reason: '' },
    ])
    expect(seen.errors.map(isClientDisconnected)).toEqual([true])
  })

  it('close(): sessions end with 1012 and requests finish before the lifespan shutdown', async () => {
    const seen: Seen = { events: [], errors: [] }
    const order: string[] = []
    const { s, upgrader } = standIn()
    const echo = echoApp(seen)
    const gate = deferred()
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'http') {
        await send({ type: 'http.response.start', status: 200 })
        await gate.promise
        await send({ type: 'http.response.body', body: new TextEncoder().encode('late') })
        order.push('request ended')
        return
      }
      if (scope.type !== 'lifespan') {
        await echo(scope, receive, send)
        order.push('session ended')
        return
      }
      await receive()
      await send({ type: 'lifespan.startup.complete' })
      await receive()
      order.push('lifespan shutdown')
      await send({ type: 'lifespan.shutdown.complete' })
    }
    const handler = toFetch(app, { websocket: upgrader })
    await handler.fetch(wsRequest('/ws', 'chat'))
    const pending = handler.fetch(new Request('http://h/slow'))
    await until(() => s.connection !== null, 'the upgrade')
    const closing = handler.close()
    await until(() => order.includes('session ended'), 'the session to end')
    expect(order).toEqual(['session ended'])
    gate.resolve()
    await closing
    expect(await (await pending).text()).toBe('late')
    expect(s.closed).toEqual({ code: 1012, reason: 'server shutting down' })
    expect(seen.events[1]).toEqual({
      type: 'websocket.disconnect',
      code: 1012,
      reason: 'server shutting down',
    })
    expect(order).toEqual(['session ended', 'request ended', 'lifespan shutdown'])
  })

  it('backpressure: send() waits for drain()', async () => {
    const { s, upgrader } = standIn()
    s.full = true
    const sent = deferred()
    let resolved = false
    const app: Application = async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      const p = send({ type: 'websocket.send', text: 'big' }).then(() => {
        resolved = true
      })
      sent.resolve()
      await p
    }
    await toFetch(app, { websocket: upgrader }).fetch(wsRequest())
    await sent.promise
    await until(() => s.sent.length === 1, 'the message handed over')
    // Queued microtasks have all run: the send is still held.
    await new Promise((r) => setImmediate(r))
    expect(resolved).toBe(false)
    s.connection?.drain()
    await until(() => resolved, 'send() after drain')
  })

  it('close before accept is 403, returning unanswered 403, throwing 500 (logged)', async () => {
    const errors: unknown[] = []
    const make =
      (how: 'close' | 'return' | 'throw'): Application =>
      async (_s, receive, send) => {
        await receive()
        if (how === 'close') await send({ type: 'websocket.close' })
        if (how === 'throw') throw new Error('boom')
      }
    const statuses = []
    for (const how of ['close', 'return', 'throw'] as const) {
      const handler = toFetch(make(how), {
        websocket: standIn().upgrader,
        onError: (e) => errors.push(e),
      })
      statuses.push((await handler.fetch(wsRequest())).status)
    }
    expect(statuses).toEqual([403, 403, 500])
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom'])
  })

  it('the denial response: the app’s status, headers and body', async () => {
    const app: Application = async (scope, receive, send) => {
      await receive()
      expect(scope.type === 'websocket' && scope.extensions['websocket.http.response']).toEqual({})
      await send({ type: 'websocket.http.response.start', status: 401, headers: [['x-d', '1']] })
      await send({
        type: 'websocket.http.response.body',
        body: new TextEncoder().encode('de'),
        moreBody: true,
      })
      await send({ type: 'websocket.http.response.body', body: new TextEncoder().encode('nied') })
    }
    const res = await toFetch(app, { websocket: standIn().upgrader }).fetch(wsRequest())
    expect([res.status, res.headers.get('x-d'), await res.text()]).toEqual([401, '1', 'denied'])
  })

  it('a refused upgrade answers 400 and rejects the accept', async () => {
    let error: unknown
    const app: Application = async (_s, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' }).catch((e) => {
        error = e
      })
    }
    const upgrader: WebSocketUpgrader = () => {
      throw new TypeError('no')
    }
    const res = await toFetch(app, { websocket: upgrader }).fetch(wsRequest())
    expect(res.status).toBe(400)
    expect(isClientDisconnected(error)).toBe(true)
  })

  it('without the option, an upgrade request is an http scope', async () => {
    let type = ''
    const app: Application = async (scope, _r, send) => {
      type = scope.type
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body' })
    }
    expect((await toFetch(app).fetch(wsRequest())).status).toBe(200)
    expect(type).toBe('http')
  })
})

describe('bunWebSocket(): Bun’s server.upgrade and websocket handlers', () => {
  it('upgrades with the headers and carries the connection in ws.data', async () => {
    const seen: Seen = { events: [], errors: [] }
    const ws = bunWebSocket()
    const sent: Array<string | Uint8Array> = []
    let ret = 1
    let socket: BunServerWebSocket | undefined
    const server = {
      upgrade(_request: Request, options: { headers?: Headers; data?: unknown }) {
        expect(options.headers?.get('sec-websocket-protocol')).toBe('chat')
        expect(options.headers?.get('x-a')).toBe('1')
        socket = {
          data: options.data,
          send: (d) => {
            sent.push(d)
            return ret
          },
          close: (code, reason) =>
            ws.handlers.close(socket as BunServerWebSocket, code ?? 1000, reason ?? ''),
        }
        ws.handlers.open(socket)
        return true
      },
    }
    const handler = toFetch(echoApp(seen), { websocket: ws.upgrade })
    await handler.fetch(wsRequest('/ws', 'chat'), server)
    const bunSocket = socket as BunServerWebSocket
    ret = -1 // Bun queued it under backpressure: the next send() waits for drain.
    ws.handlers.message(bunSocket, Buffer.from([1, 2]))
    await until(() => sent.length === 1, 'the echo')
    expect(sent[0]).toEqual(new Uint8Array([1, 2]))
    expect(Buffer.isBuffer(seen.events[1] && (seen.events[1] as { bytes: Uint8Array }).bytes)).toBe(
      false,
    )
    ws.handlers.message(bunSocket, 'x')
    await new Promise((r) => setImmediate(r))
    expect(sent).toHaveLength(1)
    ret = 1
    ws.handlers.drain(bunSocket)
    await until(() => sent.length === 2, 'the second echo after drain')
    ws.handlers.close(bunSocket, 1001, 'away')
    await until(() => seen.events.length >= 4, 'the disconnect')
    expect(seen.events[3]).toEqual({ type: 'websocket.disconnect', code: 1001, reason: 'away' })
  })

  it('refuses without Bun’s server, and when Bun refuses the upgrade', async () => {
    const ws = bunWebSocket()
    const app: Application = async (_s, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' }).catch(() => {})
    }
    const handler = toFetch(app, { websocket: ws.upgrade })
    expect((await handler.fetch(wsRequest())).status).toBe(400)
    expect((await handler.fetch(wsRequest(), { upgrade: () => false })).status).toBe(400)
  })
})

describe('denoWebSocket(): Deno.upgradeWebSocket', () => {
  it('protocol and headers on the 101, messages, bufferedAmount backpressure, code 0 → 1006', async () => {
    const seen: Seen = { events: [], errors: [] }
    const listeners: Record<
      string,
      (e: { data?: unknown; code?: number; reason?: string }) => void
    > = {}
    const sent: Array<string | Uint8Array> = []
    const socket: StandardWebSocket & { bufferedAmount: number } = {
      binaryType: 'blob',
      bufferedAmount: 0,
      send: (d) => {
        sent.push(d)
      },
      close: () => {},
      addEventListener: (type, l) => {
        listeners[type] = l
      },
    }
    let protocol: string | undefined
    const upgrade = (_r: Request, o?: { protocol?: string }) => {
      protocol = o?.protocol
      return { socket, response: new Response(null, { headers: { upgrade: 'websocket' } }) }
    }
    const handler = toFetch(echoApp(seen), { websocket: denoWebSocket(upgrade) })
    const res = await handler.fetch(wsRequest('/ws', 'chat'))
    expect([protocol, res.headers.get('x-a'), socket.binaryType]).toEqual([
      'chat',
      '1',
      'arraybuffer',
    ])
    listeners.open?.({})
    socket.bufferedAmount = 1024 * 1024 // Over the mark: the echo's send() waits.
    listeners.message?.({ data: new Uint8Array([7]).buffer })
    await until(() => sent.length === 1, 'the echo')
    listeners.message?.({ data: 'x' })
    await new Promise((r) => setImmediate(r))
    expect(sent).toHaveLength(1)
    socket.bufferedAmount = 0
    await until(() => sent.length === 2, 'the second echo once the buffer drained')
    expect(sent).toEqual([new Uint8Array([7]), 'echo:x'])
    listeners.close?.({ code: 0, reason: '' })
    await until(() => seen.events.length >= 4, 'the disconnect')
    expect(seen.events[3]).toEqual({ type: 'websocket.disconnect', code: 1006, reason: '' })
  })
})

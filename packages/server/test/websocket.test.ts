/** WebSocket sessions over real sockets, with the `ws` client (raw `net` for bad handshakes). */
import { once } from 'node:events'
import {
  type Application,
  assertScope,
  type Scope,
  type WebSocketIncomingEvent,
} from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { rawRequest, startServer, statusLines, type TestServer, tracked, until } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close().catch(() => {})
  server = undefined
})

/** An echo app that records what it received and how its sends went. */
function echo(options: { subprotocol?: string; headers?: [string, string][] } = {}) {
  const events: WebSocketIncomingEvent[] = []
  const scopes: Scope[] = []
  const sendErrors: string[] = []
  const app: Application = async (scope, receive, send) => {
    if (scope.type !== 'websocket') return
    scopes.push(scope)
    events.push((await receive()) as WebSocketIncomingEvent)
    await send({
      type: 'websocket.accept',
      subprotocol: options.subprotocol,
      headers: options.headers,
    })
    for (;;) {
      const event = (await receive()) as WebSocketIncomingEvent
      events.push(event)
      if (event.type === 'websocket.disconnect') break
      if (event.type !== 'websocket.receive') continue
      if (event.text === 'close-please') {
        await send({ type: 'websocket.close', code: 4001, reason: 'asked' })
        continue
      }
      try {
        if (event.text != null) await send({ type: 'websocket.send', text: `echo:${event.text}` })
        else await send({ type: 'websocket.send', bytes: event.bytes })
      } catch (error) {
        sendErrors.push((error as { code: string }).code)
      }
    }
  }
  return { app, events, scopes, sendErrors }
}

function connectWS(url: string, protocols?: string[], options?: WebSocket.ClientOptions) {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols, options)
  const messages: Array<string | Buffer> = []
  ws.on('message', (data, isBinary) => messages.push(isBinary ? (data as Buffer) : data.toString()))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  ws.on('error', () => {})
  return { ws, messages, closed }
}

describe('websocket sessions', () => {
  test('scope, subprotocol and extra headers on accept; text and bytes both ways; close 1000 from the client', async () => {
    const { app, events, scopes } = echo({
      subprotocol: 'chat.v2',
      headers: [['x-session', 'abc']],
    })
    server = await startServer(app)
    const { ws, messages, closed } = connectWS(`${server.url}/chat/%C3%A9?room=1`, [
      'chat.v1',
      'chat.v2',
    ])
    const upgraded = once(ws, 'upgrade') as Promise<[import('node:http').IncomingMessage]>
    const opened = once(ws, 'open')
    const [response] = await upgraded
    expect(response.headers['x-session']).toBe('abc')
    await opened
    expect(ws.protocol).toBe('chat.v2')
    ws.send('hi')
    ws.send(Buffer.from([1, 2, 3]))
    await until(() => messages.length === 2)
    expect(messages[0]).toBe('echo:hi')
    expect([...(messages[1] as Buffer)]).toEqual([1, 2, 3])
    ws.close(1000, 'bye')
    expect((await closed).code).toBe(1000)
    await until(() => events.at(-1)?.type === 'websocket.disconnect')
    expect(events.at(-1)).toEqual({ type: 'websocket.disconnect', code: 1000, reason: 'bye' })
    const scope = scopes[0]!
    expect(() => assertScope(scope)).not.toThrow()
    expect(scope).toMatchObject({
      type: 'websocket',
      scheme: 'ws',
      path: '/chat/é',
      rawPath: '/chat/%C3%A9',
      queryString: 'room=1',
      subprotocols: ['chat.v1', 'chat.v2'],
      extensions: { 'websocket.http.response': {} },
    })
  })

  test('fragmented messages arrive reassembled', async () => {
    const { app, events } = echo()
    server = await startServer(app)
    const { ws, messages } = connectWS(server.url)
    await once(ws, 'open')
    ws.send('hel', { fin: false })
    ws.send('lo', { fin: true })
    await until(() => messages.length === 1)
    expect(messages[0]).toBe('echo:hello')
    expect(events.filter((e) => e.type === 'websocket.receive')).toEqual([
      { type: 'websocket.receive', text: 'hello' },
    ])
    ws.close()
  })

  test('the app closes with a code and reason; no code from the client → 1005', async () => {
    const { app, events } = echo()
    server = await startServer(app)
    const a = connectWS(server.url)
    await once(a.ws, 'open')
    a.ws.send('close-please')
    expect(await a.closed).toEqual({ code: 4001, reason: 'asked' })
    const b = connectWS(server.url)
    await once(b.ws, 'open')
    b.ws.close()
    await b.closed
    await until(() => events.some((e) => e.type === 'websocket.disconnect' && e.code === 1005))
  })

  test('a lost connection → 1006; later sends reject with ClientDisconnectedError, nothing logged', async () => {
    let send!: import('@tsgi/protocol').Send
    const events: WebSocketIncomingEvent[] = []
    const app = tracked(async (scope, receive, s) => {
      if (scope.type !== 'websocket') return
      send = s
      await receive()
      await s({ type: 'websocket.accept' })
      events.push((await receive()) as WebSocketIncomingEvent)
      events.push((await receive()) as WebSocketIncomingEvent)
      await s({ type: 'websocket.send', text: 'too late' })
    })
    server = await startServer(app)
    const { ws } = connectWS(server.url)
    await once(ws, 'open')
    ws.terminate()
    await until(() => events.length === 2)
    expect(events).toEqual([
      { type: 'websocket.disconnect', code: 1006, reason: '' },
      { type: 'websocket.disconnect', code: 1006, reason: '' },
    ])
    await expect(send({ type: 'websocket.send', text: 'x' })).rejects.toMatchObject({
      code: 'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
    })
    // The app's own send rejected too, and it threw that: still nothing to log.
    await app.settled()
    expect(server.logger.of('error')).toEqual([])
  })

  test('a message over wsMaxSize → 1009', async () => {
    const { app, events } = echo()
    server = await startServer(app, { wsMaxSize: 1024 })
    const { ws, closed } = connectWS(server.url)
    await once(ws, 'open')
    ws.send('x'.repeat(2048))
    expect((await closed).code).toBe(1009)
    await until(() => events.some((e) => e.type === 'websocket.disconnect'))
    expect(events.at(-1)).toMatchObject({ type: 'websocket.disconnect', code: 1009 })
  })

  test('server shutdown closes open sessions with 1012', async () => {
    const { app, events } = echo()
    server = await startServer(app)
    const { ws, closed } = connectWS(server.url)
    await once(ws, 'open')
    const closing = server.close()
    expect((await closed).code).toBe(1012)
    await closing
    expect(events.at(-1)).toMatchObject({ type: 'websocket.disconnect', code: 1012 })
    server = undefined
  })

  test('an unresponsive peer is detected by pings and dropped (1006)', async () => {
    const { app, events } = echo()
    server = await startServer(app, { wsPingInterval: 0.1, wsPingTimeout: 0.1 })
    // autoPong off: this client never answers pings.
    const { ws, closed } = connectWS(server.url, undefined, { autoPong: false })
    await once(ws, 'open')
    expect((await closed).code).toBe(1006)
    await until(() => events.some((e) => e.type === 'websocket.disconnect'))
    expect(events.at(-1)).toMatchObject({ code: 1006 })
  })
})

describe('handshake outcomes', () => {
  const handshake = (extra = '') =>
    `GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`

  test('close before accept → HTTP 403', async () => {
    server = await startServer(async (scope, receive, send) => {
      if (scope.type !== 'websocket') return
      await receive()
      await send({ type: 'websocket.close' })
    })
    expect(statusLines(await rawRequest(server.port, handshake()))).toEqual([
      'HTTP/1.1 403 Forbidden',
    ])
  })

  test('a denial response with its own status, headers and body', async () => {
    server = await startServer(async (scope, receive, send) => {
      if (scope.type !== 'websocket') return
      await receive()
      await send({
        type: 'websocket.http.response.start',
        status: 401,
        headers: [['www-authenticate', 'Bearer']],
      })
      await send({
        type: 'websocket.http.response.body',
        body: new TextEncoder().encode('log in'),
        moreBody: true,
      })
      await send({ type: 'websocket.http.response.body', body: new TextEncoder().encode(' first') })
    })
    const raw = await rawRequest(server.port, handshake())
    expect(statusLines(raw)).toEqual(['HTTP/1.1 401 Unauthorized'])
    expect(raw).toMatch(/www-authenticate: Bearer/i)
    expect(raw.endsWith('\r\n\r\nlog in first')).toBe(true)
  })

  test('an app without websocket support: 403 when it returns, 500 (logged) when it throws', async () => {
    server = await startServer(async (scope) => {
      if (scope.type === 'websocket' && scope.path === '/throws')
        throw new Error('no websockets here')
    })
    expect(statusLines(await rawRequest(server.port, handshake()))).toEqual([
      'HTTP/1.1 403 Forbidden',
    ])
    const thrown = await rawRequest(server.port, handshake().replace('/ws', '/throws'))
    expect(statusLines(thrown)).toEqual(['HTTP/1.1 500 Internal Server Error'])
    expect(server.logger.of('error').join('\n')).toContain('exception in websocket application')
  })

  test('invalid handshakes are refused before the app runs', async () => {
    let calls = 0
    server = await startServer(async () => {
      calls++
    })
    const noKey = handshake().replace(/Sec-WebSocket-Key: .*\r\n/, '')
    expect(statusLines(await rawRequest(server.port, noKey))).toEqual(['HTTP/1.1 400 Bad Request'])
    const oldVersion = handshake().replace('Version: 13', 'Version: 8')
    const raw = await rawRequest(server.port, oldVersion)
    expect(statusLines(raw)).toEqual(['HTTP/1.1 426 Upgrade Required'])
    expect(raw).toMatch(/sec-websocket-version: 13/i)
    // An Upgrade other than websocket is served as HTTP instead (test/upgrade.test.ts).
    expect(calls).toBe(0)
  })

  test('invalid events are rejected: a subprotocol the client did not offer, send before accept', async () => {
    const codes: string[] = []
    server = await startServer(async (scope, receive, send) => {
      if (scope.type !== 'websocket') return
      await receive()
      await send({ type: 'websocket.send', text: 'early' }).catch((e) => codes.push(e.code))
      await send({ type: 'websocket.accept', subprotocol: 'nope' }).catch((e) => codes.push(e.code))
      await send({ type: 'websocket.close' })
    })
    expect(statusLines(await rawRequest(server.port, handshake()))).toEqual([
      'HTTP/1.1 403 Forbidden',
    ])
    expect(codes).toEqual(['TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT', 'TSGI_PROTOCOL_ERR_INVALID_EVENT'])
  })
})

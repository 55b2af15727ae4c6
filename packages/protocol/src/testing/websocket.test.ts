import { describe, expect, test } from 'vitest'
import type {
  Application,
  Receive,
  Send,
  WebSocketIncomingEvent,
  WebSocketScope,
} from '../index.ts'
import { ClientDisconnectedError } from '../index.ts'
import { createTestClient, WebSocketClosedError, WebSocketDeniedError } from './index.ts'

const utf8 = new TextEncoder()

/** An app given as a script over receive/send, recording what it received. */
function script(run: (receive: Receive, send: Send, scope: WebSocketScope) => Promise<void>) {
  const received: WebSocketIncomingEvent[] = []
  const app: Application = async (scope, receive, send) => {
    const recording: Receive = async () => {
      const e = (await receive()) as WebSocketIncomingEvent
      received.push(e)
      return e
    }
    await run(recording, send, scope as WebSocketScope)
  }
  return { app, received }
}

const echo = script(async (receive, send) => {
  await receive()
  await send({ type: 'websocket.accept', subprotocol: 'b', headers: [['x-hello', '1']] })
  for (;;) {
    const e = await receive()
    if (e.type !== 'websocket.receive') return
    await send(
      e.text != null
        ? { type: 'websocket.send', text: e.text }
        : { type: 'websocket.send', bytes: e.bytes },
    )
  }
})

describe('accepted sessions', () => {
  test('scope, subprotocol, headers and messages both ways', async () => {
    let seen: WebSocketScope | undefined
    const { app } = script(async (receive, send, scope) => {
      seen = scope
      await receive()
      await send({ type: 'websocket.accept' })
      await receive()
    })
    const ws = await createTestClient(app, { rootPath: '/r', scheme: 'https' }).websocket(
      '/one%2Ftwo?x=1',
      { subprotocols: ['a'], headers: { Origin: 'o' } },
    )
    expect(seen).toMatchObject({
      type: 'websocket',
      scheme: 'wss',
      httpVersion: '1.1',
      path: '/r/one/two',
      rawPath: '/r/one%2Ftwo',
      queryString: 'x=1',
      rootPath: '/r',
      subprotocols: ['a'],
    })
    expect(seen?.headers).toEqual([
      ['host', 'testserver'],
      ['origin', 'o'],
    ])
    expect(ws.subprotocol).toBeNull()
    ws.close()
    await ws.done()
  })

  test('echo of text and bytes with the chosen subprotocol', async () => {
    const ws = await createTestClient(echo.app).websocket('/', { subprotocols: ['a', 'b'] })
    expect(ws.subprotocol).toBe('b')
    expect(ws.headers).toEqual([['x-hello', '1']])
    ws.send('hi')
    ws.send(utf8.encode('bin'))
    ws.send('{"n":1}')
    expect(await ws.receiveText()).toBe('hi')
    expect(await ws.receiveBytes()).toEqual(utf8.encode('bin'))
    expect(await ws.receiveJson()).toEqual({ n: 1 })
    ws.send('x')
    await expect(ws.receiveBytes()).rejects.toThrow('expected a binary message, got text "x"')
    ws.send(utf8.encode('y'))
    await expect(ws.receiveText()).rejects.toThrow('expected a text message, got 1 bytes')
    ws.close(1001, 'bye')
    expect(await ws.closed).toEqual({ code: 1001, reason: 'bye' })
    await ws.done()
  })

  test('the client close code and reason reach the app; later sends reject', async () => {
    let sendAfter: unknown
    const s = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await receive()
      await receive()
      sendAfter = await send({ type: 'websocket.send', text: 'late' }).catch((e: unknown) => e)
    })
    const ws = await createTestClient(s.app).websocket('/')
    ws.close(4000, 'custom')
    await ws.done()
    expect(s.received.slice(1)).toEqual([
      { type: 'websocket.disconnect', code: 4000, reason: 'custom' },
      { type: 'websocket.disconnect', code: 4000, reason: 'custom' },
    ])
    expect(sendAfter).toBeInstanceOf(ClientDisconnectedError)
    expect(() => ws.send('x')).toThrow(WebSocketClosedError)
  })

  test('a dropped connection is code 1006', async () => {
    const s = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await receive()
    })
    const ws = await createTestClient(s.app).websocket('/')
    ws.drop()
    await ws.done()
    expect(s.received[1]).toEqual({ type: 'websocket.disconnect', code: 1006, reason: '' })
  })

  test('messages queued before the close are delivered first', async () => {
    const s = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      for (let e = await receive(); e.type === 'websocket.receive'; e = await receive()) {}
    })
    const ws = await createTestClient(s.app).websocket('/')
    ws.send('1')
    ws.send('2')
    ws.close(1000)
    await ws.done()
    expect(s.received.map((e) => e.type)).toEqual([
      'websocket.connect',
      'websocket.receive',
      'websocket.receive',
      'websocket.disconnect',
    ])
  })

  test('the app closes: the client sees its code, receive() rejects after queued messages', async () => {
    const s = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await send({ type: 'websocket.send', text: 'last' })
      await send({ type: 'websocket.close', code: 4001, reason: 'done' })
      await receive()
    })
    const ws = await createTestClient(s.app).websocket('/')
    expect(await ws.receive()).toBe('last')
    const error = await ws.receive().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WebSocketClosedError)
    expect(error).toMatchObject({
      code: 4001,
      reason: 'done',
      message: 'websocket closed with code 4001 (done)',
    })
    await ws.done()
    expect(s.received.at(-1)).toEqual({ type: 'websocket.disconnect', code: 4001, reason: 'done' })
  })

  test('an app that returns after accept is closed with 1000; one that throws, with 1011', async () => {
    const returns = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
    })
    const ws1 = await createTestClient(returns.app).websocket('/')
    expect(await ws1.closed).toEqual({ code: 1000, reason: '' })
    const boom = new Error('boom')
    const throws = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      throw boom
    })
    const ws2 = await createTestClient(throws.app).websocket('/')
    expect(await ws2.closed).toEqual({ code: 1011, reason: '' })
    await expect(ws2.done()).rejects.toBe(boom)
  })
})

describe('refused handshakes', () => {
  test('close before accept is HTTP 403; the app then receives 1006', async () => {
    const s = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.close' })
      await receive()
    })
    const error = await createTestClient(s.app)
      .websocket('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WebSocketDeniedError)
    expect(error).toMatchObject({
      status: 403,
      message: 'websocket handshake denied with HTTP 403',
    })
    await new Promise((r) => setTimeout(r, 0))
    expect(s.received.at(-1)).toEqual({ type: 'websocket.disconnect', code: 1006, reason: '' })
  })

  test('a denial response is delivered whole', async () => {
    const s = script(async (receive, send) => {
      await receive()
      await send({
        type: 'websocket.http.response.start',
        status: 401,
        headers: [['www-authenticate', 'Bearer']],
      })
      await send({ type: 'websocket.http.response.body', body: utf8.encode('no '), moreBody: true })
      await send({ type: 'websocket.http.response.body', body: utf8.encode('entry') })
    })
    const error = (await createTestClient(s.app)
      .websocket('/')
      .catch((e: unknown) => e)) as WebSocketDeniedError
    expect(error.status).toBe(401)
    expect(error.header('WWW-Authenticate')).toBe('Bearer')
    expect(error.text()).toBe('no entry')
  })

  test('an app that returns without answering is a 500 and a violation', async () => {
    const s = script(async (receive) => {
      await receive()
    })
    await expect(createTestClient(s.app).websocket('/')).rejects.toThrow(
      'the application returned without answering the websocket handshake',
    )
    const error = await createTestClient(s.app, { strict: false })
      .websocket('/')
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 500 })
  })

  test('an unfinished denial is a violation', async () => {
    const s = script(async (receive, send) => {
      await receive()
      await send({ type: 'websocket.http.response.start', status: 400 })
    })
    await expect(createTestClient(s.app).websocket('/')).rejects.toThrow(
      'the application returned before the response body was complete',
    )
  })

  test('an app that throws before answering is a 500 and rethrown', async () => {
    const boom = new Error('boom')
    const app: Application = async () => {
      throw boom
    }
    await expect(createTestClient(app).websocket('/')).rejects.toBe(boom)
    await expect(createTestClient(app, { rethrow: false }).websocket('/')).rejects.toMatchObject({
      status: 500,
    })
  })

  test('a rejection without a reason is rethrown as an Error', async () => {
    const app: Application = () => Promise.reject(null)
    await expect(createTestClient(app).websocket('/')).rejects.toThrow(
      'the application rejected with null',
    )
  })
})

describe('violations', () => {
  test.each([
    [
      'send before accept',
      [{ type: 'websocket.send', text: 'x' }],
      'websocket.send cannot be sent before websocket.accept',
    ],
    [
      'accept twice',
      [{ type: 'websocket.accept' }, { type: 'websocket.accept' }],
      'websocket.accept cannot be sent twice',
    ],
    [
      'a subprotocol not offered',
      [{ type: 'websocket.accept', subprotocol: 'zz' }],
      'websocket.accept: subprotocol must be one the client offered (a), got "zz"',
    ],
    [
      'send after the app closed',
      [
        { type: 'websocket.accept' },
        { type: 'websocket.close' },
        { type: 'websocket.send', text: 'x' },
      ],
      'websocket.send cannot be sent after the session closed',
    ],
  ])('%s fails the session', async (_name, events, message) => {
    const s = script(async (receive, send) => {
      await receive()
      for (const e of events) await send(e as Parameters<Send>[0])
    })
    const attempt = createTestClient(s.app)
      .websocket('/', { subprotocols: ['a'] })
      .then((ws) => ws.done())
    await expect(attempt).rejects.toThrow(message)
  })
})

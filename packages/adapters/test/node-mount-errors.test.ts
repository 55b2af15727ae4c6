import type { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createTestClient } from '@tsgi/protocol/testing'
import express from 'express'
import { describe, expect, test } from 'vitest'
import { fromNodeListener, NodeListenerError, NodeStatusError } from '../src/node/index.ts'
import { logged, memory, wire } from './node-helpers.ts'

const hello = (_req: IncomingMessage, res: ServerResponse) => {
  res.end('hello')
}

/** What `fromNodeListener(target)` threw, synchronously, at mount time. */
function mountError(target: unknown): NodeListenerError {
  try {
    fromNodeListener(target as never)
  } catch (error) {
    expect(error).toBeInstanceOf(NodeListenerError)
    return error as NodeListenerError
  }
  throw new Error('fromNodeListener accepted it')
}

describe("a listener that needs 'upgrade' events is refused at mount time", () => {
  test('an http.Server with an upgrade listener (as ws and socket.io attach)', () => {
    const server = createServer(hello)
    server.on('upgrade', () => {})
    const error = mountError(server)
    expect(error.code).toBe('TSGI_ADAPTERS_ERR_NODE_UPGRADE')
    expect(error.message).toBe(
      "fromNodeListener: the server has 1 'upgrade' listener (ws, socket.io and other WebSocket" +
        ' libraries add them); they need the raw socket, which a TSGI http scope never gives.' +
        ' Serve WebSockets with a TSGI websocket application, and for the HTTP part alone pass' +
        " (req, res) => server.emit('request', req, res)",
    )
  })

  test('a listener function that is an emitter with upgrade listeners (an Express app)', () => {
    const app = express()
    // An Express app is an EventEmitter; its types only know 'mount'.
    const emitter = app as unknown as EventEmitter
    emitter.on('upgrade', () => {})
    emitter.on('upgrade', () => {})
    const error = mountError(app)
    expect(error.code).toBe('TSGI_ADAPTERS_ERR_NODE_UPGRADE')
    expect(error.message).toMatch(/^fromNodeListener: the listener has 2 'upgrade' listeners/)
  })

  test('the documented way out: serve only the HTTP part through emit', async () => {
    const server = createServer(hello)
    server.on('upgrade', () => {})
    const app = fromNodeListener((req, res) => {
      server.emit('request', req, res)
    })
    expect((await createTestClient(app).request('/')).text()).toBe('hello')
  })
})

describe('what fromNodeListener accepts', () => {
  test.each([
    ['null', null, 'null'],
    ['a number', 42, 'number'],
    ['a plain object', {}, 'an object without request listeners'],
    [
      'an http.Server with no request listener',
      createServer(),
      'an object without request listeners',
    ],
  ])('refuses %s', (_name, target, got) => {
    const error = mountError(target)
    expect(error.code).toBe('TSGI_ADAPTERS_ERR_NODE_LISTENER')
    expect(error.message).toBe(
      "fromNodeListener: expected a (req, res) function or an http.Server with 'request'" +
        ` listeners, got ${got} (pass the Express/Connect app, koa.callback() or fastify's server)`,
    )
  })

  test.each(['memory', 'wire'] as const)(
    'an http.Server with request listeners is served through them (%s)',
    async (kind) => {
      const server = createServer(hello)
      const app = fromNodeListener(server)
      const t = kind === 'memory' ? memory(app) : await wire(app)
      const got = await t.hit({ path: '/' })
      await t.close()
      expect([got.status, got.text]).toEqual([200, 'hello'])
      expect(server.listening).toBe(false)
    },
  )
})

describe('a response ended with an informational status', () => {
  const app = fromNodeListener((req, res) => {
    if (req.url === '/ok') return void res.end('fine')
    res.statusCode = 101
    res.end()
  })

  test('in memory: the app rejects with NodeStatusError instead of hanging', async () => {
    const error = await createTestClient(app)
      .request('/')
      .then(
        () => null,
        (e: unknown) => e,
      )
    // The test client rejects with the application's own error.
    expect(error).toBeInstanceOf(NodeStatusError)
    expect((error as NodeStatusError).code).toBe('TSGI_ADAPTERS_ERR_NODE_STATUS')
    expect((error as NodeStatusError).status).toBe(101)
  })

  test('over a socket: a 500, and the server keeps serving', async () => {
    const t = await wire(app)
    const before = logged.length
    const got = await t.hit({ path: '/' })
    const next = await t.hit({ path: '/ok' })
    await t.close()
    expect(got.status).toBe(500)
    expect(logged.slice(before).some((e) => e instanceof NodeStatusError)).toBe(true)
    expect([next.status, next.text]).toEqual([200, 'fine'])
  })
})

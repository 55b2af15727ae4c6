/** WebSocket sessions whose app fails after the handshake, over real sockets. */
import { once } from 'node:events'
import { UnsupportedScopeError } from '@tsgi/protocol'
import { afterEach, expect, test } from 'vitest'
import WebSocket from 'ws'
import { startServer, type TestServer, until } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close().catch(() => {})
  server = undefined
})

test('an app that throws after accepting closes the connection with 1011 and is logged', async () => {
  server = await startServer(async (scope, receive, send) => {
    if (scope.type !== 'websocket') return
    await receive()
    await send({ type: 'websocket.accept' })
    await receive()
    throw new Error('boom after accept')
  })
  const ws = new WebSocket(server.url.replace(/^http/, 'ws'))
  ws.on('error', () => {})
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  await once(ws, 'open')
  ws.send('trigger')
  expect(await closed).toBe(1011)
  await until(() => server?.logger.of('error').length === 1)
  expect(JSON.stringify(server.logger.of('error'))).toContain('exception in websocket application')
})

test('a handshake still undecided at shutdown gets 503 and the app sees a disconnect', async () => {
  const seen: unknown[] = []
  let connected!: () => void
  const atConnect = new Promise<void>((resolve) => {
    connected = resolve
  })
  server = await startServer(async (scope, receive) => {
    if (scope.type !== 'websocket') return
    await receive()
    connected()
    // Never accepts: the next event can only come from the server shutting down.
    seen.push(await receive())
  })
  const ws = new WebSocket(server.url.replace(/^http/, 'ws'))
  ws.on('error', () => {})
  const refused = new Promise<number>((resolve) =>
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
  )
  await atConnect
  const closing = server.close()
  expect(await refused).toBe(503)
  await closing
  server = undefined
  expect(seen).toEqual([
    { type: 'websocket.disconnect', code: 1012, reason: 'server shutting down' },
  ])
})

test('an app that refuses the websocket scope (UnsupportedScopeError) gets 403 and an info line, no error', async () => {
  server = await startServer(async (scope) => {
    if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  })
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/chat`)
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }]
  expect(res.statusCode).toBe(403)
  await until(
    () => server?.logger.of('info').some((l) => l.includes('websocket unsupported')) === true,
  )
  expect(server.logger.of('info')).toContain(
    'websocket unsupported by the application (it rejected the websocket scope): /chat → 403',
  )
  expect(server.logger.of('error')).toEqual([])
})

test('any other throw before answering is a 500 and an error line', async () => {
  server = await startServer(async (scope) => {
    if (scope.type === 'websocket') throw new Error('boom before answering')
  })
  const ws = new WebSocket(server.url.replace(/^http/, 'ws'))
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }]
  expect(res.statusCode).toBe(500)
  await until(() => server?.logger.of('error').length === 1)
})

/**
 * A held `http.response.start` that the application never follows with a body (issue 10,
 * item 12): the client gets a clean 500 (SPEC §5.4.7) and the log says what happened.
 */
import { request } from 'undici'
import { afterEach, expect, test } from 'vitest'
import { startServer, type TestServer, until } from './helpers.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

test('start sent, then the app returns: 500, and the log names the held start', async () => {
  server = await startServer(async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    await send({ type: 'http.response.start', status: 201, headers: [['x-app', '1']] })
  })
  const res = await request(`${server.url}/held?x=1`)
  expect(res.statusCode).toBe(500)
  expect(res.headers['x-app']).toBeUndefined()
  expect(res.headers.connection).toBe('close')
  await res.body.dump()
  await until(() => server!.logger.of('error').length > 0)
  expect(server.logger.of('error')).toEqual([
    'the application returned after http.response.start without sending the body: answered 500 instead of the held start: GET /held?x=1',
  ])
})

test('no start at all: the log still says so', async () => {
  server = await startServer(async () => {})
  const res = await request(server.url)
  expect(res.statusCode).toBe(500)
  await res.body.dump()
  await until(() => server!.logger.of('error').length > 0)
  expect(server.logger.of('error')).toEqual([
    'the application returned without sending http.response.start: GET /',
  ])
})

/**
 * validHost remembers the last Host it accepted (one comparison instead of the character loop
 * on the usual request): only a value that passed is remembered, so an invalid value is still
 * refused right after a valid one, on the same connection, for every form of host.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { validHost } from '../src/scope/host.ts'
import { startServer, type TestServer } from './helpers.ts'
import { rawExchange, statuses } from './wire-client.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('validHost with its last accepted value remembered', () => {
  test.each([
    ['example.com', 'example.com x'],
    ['example.com:8080', 'example.com:80a'],
    ['[::1]:80', '[::1'],
    ['a%41', 'a%4'],
  ])('after %s passes, %s is still refused', (valid, invalid) => {
    expect(validHost(valid, false)).toBe(true)
    expect(validHost(valid, false)).toBe(true)
    expect(validHost(invalid, false)).toBe(false)
    expect(validHost(valid, false)).toBe(true)
  })

  test('a refused value is not remembered: refused twice', () => {
    expect(validHost('bad host', false)).toBe(false)
    expect(validHost('bad host', false)).toBe(false)
  })

  test('the empty value still depends on allowEmpty', () => {
    expect(validHost('', true)).toBe(true)
    expect(validHost('', false)).toBe(false)
    expect(validHost('', true)).toBe(true)
    expect(validHost('', false)).toBe(false)
  })

  test('over the wire: a valid Host, then an invalid one on the same connection → 200, 400', async () => {
    server = await startServer(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200, headers: [] })
      await send({ type: 'http.response.body', body: new Uint8Array(0) })
    })
    const answer = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: a.example\r\n\r\nGET / HTTP/1.1\r\nHost: a.example\r\n\r\n' +
        'GET / HTTP/1.1\r\nHost: a.example/\r\n\r\n',
    )
    expect(statuses(answer.text)).toEqual([
      'HTTP/1.1 200 OK',
      'HTTP/1.1 200 OK',
      'HTTP/1.1 400 Bad Request',
    ])
  })
})

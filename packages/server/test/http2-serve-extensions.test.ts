/**
 * The HTTP extensions over h2: `http.response.trailers` (a trailing HEADERS frame, no
 * `TE: trailers` needed on h2) and `http.response.pathsend` (the file as DATA, with its size
 * as Content-Length, under flow control).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import type { ClientHttp2Session } from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Application } from '@tsgi/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { h2Request, TestSessions } from './h2-client.ts'
import { startServer, type TestServer, text } from './helpers.ts'

let server: TestServer | undefined
const sessions = new TestSessions()
afterEach(async () => {
  sessions.destroyAll()
  await server?.close()
  server = undefined
})

const h2 = (): ClientHttp2Session => sessions.open(server!.url)

describe('trailers on h2', () => {
  const app: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    await send({ type: 'http.response.start', status: 200, trailers: true })
    await send({ type: 'http.response.body', body: text('with trailers') })
    if (scope.path === '/none') await send({ type: 'http.response.trailers' })
    else
      await send({
        type: 'http.response.trailers',
        headers: [
          ['x-checksum', 'abc'],
          ['x-more', '1'],
        ],
        moreTrailers: true,
      }).then(() => send({ type: 'http.response.trailers', headers: [['x-last', '2']] }))
  }

  test('trailers sent in one or more events arrive as one trailing HEADERS', async () => {
    server = await startServer(app, { http2: true })
    const answer = await h2Request(h2(), { ':path': '/' })
    expect(answer).toMatchObject({ status: 200, complete: true, rstCode: 0 })
    expect(answer.body.toString()).toBe('with trailers')
    expect(answer.headers['content-length']).toBeUndefined()
    expect(answer.trailers).toMatchObject({ 'x-checksum': 'abc', 'x-more': '1', 'x-last': '2' })
  })

  test('a trailers event without headers still ends the stream cleanly', async () => {
    server = await startServer(app, { http2: true })
    const answer = await h2Request(h2(), { ':path': '/none' })
    expect(answer).toMatchObject({ status: 200, complete: true, rstCode: 0 })
    expect(answer.body.toString()).toBe('with trailers')
  })
})

describe('pathsend on h2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-h2-pathsend-'))
  const file = join(dir, 'big.bin')
  const content = Buffer.alloc(300 * 1024)
  for (let i = 0; i < content.byteLength; i++) content[i] = i % 251
  writeFileSync(file, content)
  const app: Application = async (scope, _receive, send) => {
    if (scope.type !== 'http') return
    await send({ type: 'http.response.start', status: 200 })
    await send({
      type: 'http.response.pathsend',
      path: scope.path === '/missing' ? `${file}.no` : file,
    })
  }

  test('the file is the body, its size the Content-Length (larger than the stream window)', async () => {
    server = await startServer(app, { http2: true })
    const answer = await h2Request(h2(), { ':path': '/' })
    expect(answer).toMatchObject({ status: 200, complete: true })
    expect(answer.headers['content-length']).toBe(String(content.byteLength))
    expect(answer.body.equals(content)).toBe(true)
  })

  test('HEAD gets the length and no DATA; a missing file is a 500', async () => {
    server = await startServer(app, { http2: true })
    const session = h2()
    const head = await h2Request(session, { ':method': 'HEAD' })
    expect(head).toMatchObject({ status: 200, complete: true })
    expect(head.headers['content-length']).toBe(String(content.byteLength))
    expect(head.body.byteLength).toBe(0)
    expect((await h2Request(session, { ':path': '/missing' })).status).toBe(500)
  })
})

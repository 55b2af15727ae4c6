/**
 * The HTTP/2 helpers of the cases against a node:http2 server in this process: what a stream
 * result holds (field lines in wire order, a reset's code, 1xx heads, trailers), bodies written
 * in order, and a case's HTTP/2 form chosen only under an HTTP/2 client. Then some forms
 * against a stand-in server, right and wrong, to show they bite (the runs against the reference
 * server are in packages/server/test/conformance.test.ts).
 */
import { once } from 'node:events'
import { constants, createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { H2Client } from '../h2-client.ts'
import { type Case, type CaseContext, ConformanceFailure } from '../types.ts'
import { errorsH2 } from './errors-h2.ts'
import { h2, open, withH2 } from './h2-util.ts'
import { responseH2 } from './response-h2.ts'

/** How the stand-in answers each path; `wrong` flips the behaviours the forms check. */
let wrong = false

function handle(stream: ServerHttp2Stream, path: string) {
  switch (path) {
    case '/fields':
      // Raw field lines keep their order across names.
      stream.respond([':status', '200', 'x-a', '1', 'set-cookie', 'c=1', 'x-a', '2'] as never, {
        endStream: true,
      })
      return
    case '/reset':
      stream.respond({ ':status': 200 })
      stream.write('partial', () => reset(stream))
      return
    case '/continue':
      stream.additionalHeaders({ ':status': 100 })
      stream.respond({ ':status': 200 }, { endStream: true })
      return
    case '/trailers-plain':
      stream.respond({ ':status': 200 }, { waitForTrailers: true })
      stream.once('wantTrailers', () => stream.sendTrailers({ 'x-sum': 'abc' }))
      stream.end('body')
      return
    case '/echo': {
      const parts: Buffer[] = []
      stream.on('data', (d: Buffer) => parts.push(d))
      stream.on('end', () => {
        stream.respond({ ':status': 200 })
        stream.end(Buffer.concat(parts))
      })
      return
    }
    case '/length/1':
      stream.respond({ ':status': 200, 'content-length': '1' })
      stream.end('x')
      return
    case '/throw-after-chunked':
      // Right: a reset after the partial body; wrong: END_STREAM, as if it were complete.
      stream.respond({ ':status': 200 })
      if (wrong) stream.end('partial')
      else stream.write('partial', () => reset(stream))
      return
    case '/trailers-case':
      // Right: the trailing HEADERS frame; wrong: none.
      stream.respond({ ':status': 200 }, { waitForTrailers: !wrong })
      stream.once('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }))
      stream.end('with trailers')
      return
    case '/headers':
      stream.respond(
        (wrong
          ? { ':status': 200, 'x-order': ['1', '2'], 'set-cookie': ['a=1', 'b=2'] }
          : [
              ...[':status', '200', 'x-order', '1', 'set-cookie', 'a=1'],
              ...['set-cookie', 'b=2', 'x-order', '2'],
            ]) as never,
        { endStream: true },
      )
      return
    default:
      stream.respond({ ':status': 404 }, { endStream: true })
  }
}

/** RST_STREAM INTERNAL_ERROR without END_STREAM first (`close()` would end the stream). */
const reset = (stream: ServerHttp2Stream) => stream.destroy(new Error('cut'))

let server: Http2Server
let ctx: CaseContext
const client = new H2Client()

beforeAll(async () => {
  server = createServer()
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {})
    const path = String(headers[':path'])
    // response.trailers asks for /trailers; the helper test for /trailers-plain.
    handle(stream, path === '/trailers' ? '/trailers-case' : path)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  ctx = {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    pid: undefined,
    rootPath: '',
    extensions: {},
    output: () => '',
    stop: async () => null,
    transport: 'h2c',
    fetch: client.fetch as typeof fetch,
    h2: client,
  }
})

afterAll(async () => {
  client.close()
  server.close()
})

describe('the stream helpers', () => {
  test('field lines in wire order, duplicates kept, pseudo-headers left out', async () => {
    const r = await h2(ctx, '/fields')
    // node:http2 adds a date field of its own.
    expect(r.fields.filter(([n]) => n !== 'date')).toEqual([
      ['x-a', '1'],
      ['set-cookie', 'c=1'],
      ['x-a', '2'],
    ])
    expect(r.rstCode).toBe(0)
  })

  test("a reset is a result: the body so far and the reset's code", async () => {
    const r = await h2(ctx, '/reset')
    expect(r.status).toBe(200)
    expect(r.body.toString()).toBe('partial')
    expect(r.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR)
  })

  test('1xx heads and trailers are kept', async () => {
    expect((await h2(ctx, '/continue')).informational).toEqual([100])
    const r = await h2(ctx, '/trailers-plain')
    expect(r.body.toString()).toBe('body')
    expect(r.trailers?.['x-sum']).toBe('abc')
  })

  test('body parts are written in order, the last one ends the stream', async () => {
    const r = await h2(ctx, '/echo', { method: 'POST', body: ['a', Buffer.from('b'), 'c'] })
    expect(r.body.toString()).toBe('abc')
    // No parts at all: the request still ends (else the stand-in would never answer).
    expect((await h2(ctx, '/echo', { method: 'POST', body: [] })).status).toBe(200)
  })

  test('an open request stays open until the case ends it', async () => {
    const s = await open(ctx, '/echo', { method: 'POST', body: ['a'], open: true })
    let settled = false
    void s.result.then(() => {
      settled = true
    })
    // The stand-in answers only at the end of the request: nothing may come before it.
    await new Promise((r) => setImmediate(r))
    expect(settled).toBe(false)
    s.stream.end('z')
    expect((await s.result).body.toString()).toBe('az')
  })

  test('withH2: the HTTP/2 form runs only with an HTTP/2 client', async () => {
    const ran: string[] = []
    const c: Case = {
      id: 'x.y',
      title: 't',
      spec: '§1',
      app: 'main',
      run: async () => {
        ran.push('http1')
      },
    }
    const both = withH2(c, async () => {
      ran.push('h2')
    })
    expect(both.http2).toBe('same')
    await both.run({ ...ctx, h2: undefined, fetch: undefined, transport: 'http1' })
    await both.run(ctx)
    expect(ran).toEqual(['http1', 'h2'])
  })
})

describe('the HTTP/2 forms bite', () => {
  const forms = {
    'errors.throw-after-start-chunked': errorsH2('errors.throw-after-start-chunked'),
    'response.trailers': responseH2('response.trailers'),
    'response.headers-order': responseH2('response.headers-order'),
  }

  for (const [id, form] of Object.entries(forms)) {
    test(`${id}: passes against the right stand-in, fails against the wrong one`, async () => {
      expect(form).toBeDefined()
      wrong = false
      await form!(ctx)
      wrong = true
      try {
        await expect(form!(ctx)).rejects.toBeInstanceOf(ConformanceFailure)
      } finally {
        wrong = false
      }
    })
  }
})

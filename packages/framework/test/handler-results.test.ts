/**
 * What a handler may return besides the framework's own `Response` (issue 12, item 1): a web
 * `Response`, `Blob`, `ReadableStream`, async iterables, `ArrayBuffer`s, form bodies, objects
 * with `toJSON` — and a logged 500 naming anything else, never a silent `{}`. In memory and
 * over a socket.
 */
import { Readable } from 'node:stream'
import { runInNewContext } from 'node:vm'
import { gunzipSync } from 'node:zlib'
import { createTestClient } from '@tsgi/protocol/testing'
import { Response as UndiciResponse } from 'undici'
import { describe, expect, test } from 'vitest'
import { createApp, toResponse } from '../src/index.ts'
import { compress } from '../src/middleware/compress.ts'
import { cors } from '../src/middleware/cors.ts'
import { describeBoth } from './both.ts'

const logged: string[] = []
const logger = {
  error: (message: string, error?: unknown) =>
    logged.push(`${message}: ${error instanceof Error ? error.message : String(error)}`),
}

class User {
  readonly name: string
  constructor(name: string) {
    this.name = name
  }
}

class Money {
  readonly cents: number
  constructor(cents: number) {
    this.cents = cents
  }
  toJSON() {
    return `${(this.cents / 100).toFixed(2)} EUR`
  }
}

function makeApp() {
  const app = createApp({ logger })
  app.get('/web', () => new Response('hi', { status: 201, headers: { 'x-made-by': 'fetch' } }))
  app.get('/web-async', async () => Response.json({ ok: true }, { status: 202 }))
  app.get('/web-cookies', () => {
    const headers = new Headers({ 'content-type': 'text/plain' })
    headers.append('set-cookie', 'a=1; Path=/')
    headers.append('set-cookie', 'b=2; Path=/; HttpOnly')
    return new Response('cookies', { headers })
  })
  app.get('/web-empty', () => new Response(null, { status: 204, headers: { 'x-empty': 'yes' } }))
  app.get('/web-stream', () => {
    let i = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // A producer that is not there at once: each chunk a macrotask later.
        await new Promise((resolve) => setImmediate(resolve))
        if (i === 3) controller.close()
        else controller.enqueue(new TextEncoder().encode(`part${i++};`))
      },
    })
    return new Response(body, { headers: { 'content-type': 'text/plain' } })
  })
  // Another copy of undici (the npm package, not Node's own): not `instanceof` the global class.
  app.get('/undici', () => new UndiciResponse('from undici', { status: 203 }))
  app.get('/other-realm', () => runInNewContext('({ realm: "vm", list: [1] })'))
  app.get('/blob', () => new Blob(['a,b\n1,2\n'], { type: 'text/csv' }))
  app.get('/readable-stream', () => new Blob(['streamed']).stream())
  app.get('/iterable', () =>
    (async function* () {
      yield 'one '
      yield new TextEncoder().encode('two')
    })(),
  )
  app.get('/array-buffer', () => new TextEncoder().encode('buffer').buffer)
  app.get('/view', () => new DataView(new TextEncoder().encode('xviewx').buffer, 1, 4))
  app.get('/form', () => new URLSearchParams({ q: 'a b', n: '1' }))
  app.get('/date', () => new Date(Date.UTC(2026, 0, 2)))
  app.get('/to-json', () => ({ price: new Money(1250) }))
  app.get('/null-proto', () => Object.assign(Object.create(null), { bare: true }))
  app.get('/map', () => new Map([['a', 1]]))
  app.get('/set', () => new Set([1]))
  app.get('/instance', () => new User('ada'))
  app.get('/node-stream', () => Readable.from(['x']))
  app.get('/function', () => () => 'not called')
  // The types refuse a bigint already; a JavaScript caller still gets a clear 500.
  app.get('/bigint', () => 10n as unknown as number)
  app.get('/error', () => new Error('oops'))
  app.get('/bad-chunk', () =>
    (async function* () {
      yield 42 as unknown as string
    })(),
  )
  const mw = createApp({ logger })
  mw.use(cors({ origin: '*' }))
  mw.use(compress({ threshold: 16 }))
  mw.get(
    '/web-big',
    () => new Response('compress me '.repeat(200), { headers: { 'content-type': 'text/plain' } }),
  )
  app.mount('/mw', mw)
  return app
}

describeBoth('web Response results', makeApp, (client) => {
  test('status, headers and body of a web Response', async () => {
    const res = await client().request('/web')
    expect(res.status).toBe(201)
    expect(res.header('x-made-by')).toBe('fetch')
    expect(res.header('content-type')).toBe('text/plain;charset=UTF-8')
    expect(res.text()).toBe('hi')
  })

  test('a web Response from another copy of undici', async () => {
    const res = await client().request('/undici')
    expect([res.status, res.text()]).toEqual([203, 'from undici'])
  })

  test('an async handler resolving with Response.json()', async () => {
    const res = await client().request('/web-async')
    expect(res.status).toBe(202)
    expect(res.header('content-type')).toBe('application/json')
    expect(res.json()).toEqual({ ok: true })
  })

  test('every set-cookie is its own field', async () => {
    const res = await client().request('/web-cookies')
    expect(res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual([
      'a=1; Path=/',
      'b=2; Path=/; HttpOnly',
    ])
    expect(res.text()).toBe('cookies')
  })

  test('a 204 web Response', async () => {
    const res = await client().request('/web-empty')
    expect([res.status, res.header('x-empty'), res.body.byteLength]).toEqual([204, 'yes', 0])
  })

  test('a streamed web Response body, chunk by chunk', async () => {
    const res = await client().request('/web-stream')
    expect(res.text()).toBe('part0;part1;part2;')
    if (client().transport === 'socket') expect(res.header('transfer-encoding')).toBe('chunked')
  })

  test('cors and compress post-process a web Response', async () => {
    const res = await client().request('/mw/web-big', {
      headers: { origin: 'https://a.example', 'accept-encoding': 'gzip' },
    })
    expect(res.header('access-control-allow-origin')).toBe('*')
    expect(res.header('content-encoding')).toBe('gzip')
    expect(gunzipSync(res.body).toString()).toBe('compress me '.repeat(200))
  })
})

describeBoth('other body kinds', makeApp, (client) => {
  test('a Blob: its type, its size, its bytes', async () => {
    const res = await client().request('/blob')
    expect(res.header('content-type')).toBe('text/csv')
    expect(res.header('content-length')).toBe('8')
    expect(res.text()).toBe('a,b\n1,2\n')
  })

  test('a ReadableStream and an async iterable are streamed', async () => {
    const stream = await client().request('/readable-stream')
    expect([stream.header('content-type'), stream.text()]).toEqual([
      'application/octet-stream',
      'streamed',
    ])
    expect((await client().request('/iterable')).text()).toBe('one two')
  })

  test('an ArrayBuffer and a view are bytes', async () => {
    expect((await client().request('/array-buffer')).text()).toBe('buffer')
    const view = await client().request('/view')
    expect([view.header('content-type'), view.text()]).toEqual(['application/octet-stream', 'view'])
  })

  test('URLSearchParams is a form body', async () => {
    const res = await client().request('/form')
    expect(res.header('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8')
    expect(res.text()).toBe('q=a+b&n=1')
  })

  test('objects with toJSON (a Date, a class) and null-prototype objects are JSON', async () => {
    expect((await client().request('/date')).json()).toBe('2026-01-02T00:00:00.000Z')
    expect((await client().request('/to-json')).json()).toEqual({ price: '12.50 EUR' })
    expect((await client().request('/null-proto')).json()).toEqual({ bare: true })
    expect((await client().request('/other-realm')).json()).toEqual({ realm: 'vm', list: [1] })
  })
})

describeBoth('results that are neither JSON nor a response', makeApp, (client) => {
  test.each([
    ['/map', 'an instance of Map'],
    ['/set', 'an instance of Set'],
    ['/instance', 'an instance of User'],
    ['/node-stream', 'an instance of Readable, a Node.js stream'],
    ['/function', 'a function'],
    ['/bigint', 'a bigint'],
    ['/error', 'an Error (Error): throw it instead'],
    ['/bad-chunk', 'a streamed response body yielded a number'],
  ])('%s is a logged 500 naming what was returned', async (path, named) => {
    logged.length = 0
    const res = await client().request(path)
    expect(res.status).toBe(500)
    expect(res.json()).toMatchObject({ status: 500, code: 'TSGI_FW_ERR_INTERNAL' })
    expect(res.text()).not.toContain(named) // internal detail stays in the log
    expect(logged).toHaveLength(1)
    expect(logged[0]).toContain(`GET ${path}`)
    expect(logged[0]).toContain(named)
  })
})

describe('web Response sending, in memory', () => {
  test('a body already complete goes in one final event (a Content-Length on a server)', async () => {
    const res = await createTestClient(makeApp()).request('/web')
    const bodies = res.events.filter((e) => e.type === 'http.response.body')
    expect(bodies).toHaveLength(1)
    expect(bodies[0]?.type === 'http.response.body' && bodies[0].moreBody).toBeFalsy()
  })

  test('toResponse names the code of what it refuses', () => {
    expect(() => toResponse(new Map())).toThrow(
      expect.objectContaining({ code: 'TSGI_FW_ERR_HANDLER_RESULT', name: 'HandlerResultError' }),
    )
  })

  test('Response.error() and a used body are refused', async () => {
    expect(() => toResponse(Response.error())).toThrow(/Response.error/)
    const used = new Response('x')
    await used.text()
    expect(() => toResponse(used)).toThrow(/already read/)
  })
})

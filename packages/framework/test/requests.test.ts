/** Requests: params, query, headers, cookies, bodies and their limits — in memory and over a socket. */
import { expect, test } from 'vitest'
import { createApp } from '../src/index.ts'
import { describeBoth } from './both.ts'

function makeApp() {
  const app = createApp()
  app.get('/query', (req) => req.query)
  app.get('/headers', (req) => ({
    agent: req.headers.get('X-Agent'),
    many: req.headers.get('x-many'),
  }))
  app.get('/cookies', (req) => req.cookies)
  app.post('/bytes', async (req) => ({ length: (await req.bytes()).byteLength }))
  app.post('/text', async (req) => req.text())
  app.post('/json', async (req) => ({ value: (await req.json()) ?? 'no body' }))
  app.post('/form', async (req) => req.form())
  app.post('/twice', async (req) => ({ first: await req.text(), second: await req.text() }))
  app.post('/stream', async (req) => {
    let chunks = 0
    let bytes = 0
    for await (const chunk of req) {
      chunks++
      bytes += chunk.byteLength
    }
    return { chunks: chunks > 0, bytes, again: (await req.bytes()).byteLength }
  })
  app.post('/small', { bodyLimit: 10 }, async (req) => ({ length: (await req.bytes()).byteLength }))
  app.get('/client', (req) => ({ hasClient: req.client !== null, path: req.path, url: req.url }))
  return app
}

describeBoth('requests', makeApp, (client) => {
  test('query: repeated keys as arrays, + as space, percent-decoding', async () => {
    const res = await client().request('/query?a=1&a=2&b=x+y&c=%C3%A9&empty=&flag')
    expect(res.json()).toEqual({ a: ['1', '2'], b: 'x y', c: 'é', empty: '', flag: '' })
  })

  test('headers are case-insensitive; repeated ones are joined', async () => {
    const res = await client().request('/headers', {
      headers: { 'x-agent': 'test/1', 'x-many': 'a' },
    })
    expect(res.json()).toEqual({ agent: 'test/1', many: 'a' })
  })

  test('cookies are parsed and URI-decoded', async () => {
    const res = await client().request('/cookies', {
      headers: { cookie: 'a=1; b=hello%20world; a=2' },
    })
    expect(res.json()).toEqual({ a: '1', b: 'hello world' })
  })

  test('bytes, text with its charset, JSON and urlencoded forms', async () => {
    expect((await client().request('/bytes', { method: 'POST', body: 'abcd' })).json()).toEqual({
      length: 4,
    })
    const latin = await client().request('/text', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=iso-8859-1' },
      body: Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    })
    expect(latin.text()).toBe('café')
    expect(
      (await client().request('/json', { method: 'POST', json: { a: [1, { b: null }] } })).json(),
    ).toEqual({ value: { a: [1, { b: null }] } })
    const form = await client().request('/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Ada+Lovelace&tag=a&tag=b',
    })
    expect(form.json()).toEqual({ name: 'Ada Lovelace', tag: ['a', 'b'] })
  })

  test('an empty body never hangs: json() is undefined', async () => {
    const res = await client().request('/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.json()).toEqual({ value: 'no body' })
  })

  test('a body can be read twice, even after streaming it', async () => {
    expect((await client().request('/twice', { method: 'POST', body: 'hi' })).json()).toEqual({
      first: 'hi',
      second: 'hi',
    })
    const streamed = await client().request('/stream', { method: 'POST', body: 'x'.repeat(5000) })
    expect(streamed.json()).toEqual({ chunks: true, bytes: 5000, again: 5000 })
  })

  test('invalid JSON → 400; prototype poisoning → 400', async () => {
    const bad = await client().request('/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    })
    expect(bad.status).toBe(400)
    expect(bad.json<{ code: string }>().code).toBe('TSGI_FW_ERR_INVALID_JSON')
    const poisoned = await client().request('/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":{"__proto__":{"polluted":true}}}',
    })
    expect(poisoned.status).toBe(400)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('the body limit: 413 past the default 1 MiB and past a per-route limit', async () => {
    const big = await client().request('/bytes', {
      method: 'POST',
      body: new Uint8Array(1024 * 1024 + 1),
    })
    expect(big.status).toBe(413)
    expect(big.json<{ code: string }>().code).toBe('TSGI_FW_ERR_BODY_TOO_LARGE')
    expect((await client().request('/small', { method: 'POST', body: '0123456789' })).status).toBe(
      200,
    )
    expect((await client().request('/small', { method: 'POST', body: '0123456789x' })).status).toBe(
      413,
    )
  })

  test('client address, path and url', async () => {
    expect((await client().request('/client?x=1')).json()).toEqual({
      hasClient: true,
      path: '/client',
      url: '/client?x=1',
    })
  })
})

describeBoth('prototype poisoning through escapes', makeApp, (client) => {
  test('a __proto__ key spelled with \\u escapes is refused too', async () => {
    const res = await client().request('/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"\\u005f_proto__":{"polluted":true}}',
    })
    expect(res.status).toBe(400)
  })
})

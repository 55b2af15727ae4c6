import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib'
import type { Application } from '@tsgi/protocol'
import { beforeEach, describe, expect, test } from 'vitest'
import { bytes, createApp, file, json, Response, sse, stream, text } from '../src/index.ts'
import { compress, negotiateEncoding } from '../src/middleware/index.ts'
import { describeBoth } from './both.ts'
import { DEADLINE, gate, openStream, varyOf, waitFor, within } from './middleware-helpers.ts'

const BIG = 'The quick brown fox jumps over the lazy dog. '.repeat(100) // 4500 bytes
const dir = mkdtempSync(join(tmpdir(), 'tsgi-compress-'))
writeFileSync(join(dir, 'page.html'), BIG)

let app: Application
let paused = gate()
let released = false
beforeEach(() => {
  paused = gate()
  released = false
})

/** Decodes what arrived so far of a gzip or brotli stream (no end required). */
function partial(encoding: string | undefined, data: Uint8Array): string {
  if (encoding === 'gzip')
    return gunzipSync(data, { finishFlush: constants.Z_SYNC_FLUSH }).toString()
  return brotliDecompressSync(data, {
    finishFlush: constants.BROTLI_OPERATION_FLUSH,
  }).toString()
}

function makeApp() {
  const a = createApp()
  a.use(compress())
  a.get('/big', () => text(BIG))
  a.get('/json', () => json({ words: BIG.split(' ') }, { headers: { etag: '"v1"' } }))
  a.get('/small', () => text('tiny'))
  a.get('/png', () => bytes(new Uint8Array(4096), { headers: { 'content-type': 'image/png' } }))
  a.get('/encoded', () =>
    bytes(gzipSync(BIG), { headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } }),
  )
  a.get('/no-transform', () => text(BIG, { headers: { 'cache-control': 'public, no-transform' } }))
  a.get(
    '/partial',
    () => new Response(BIG, { status: 206, headers: { 'content-type': 'text/plain' } }),
  )
  a.get('/varied', () => text(BIG, { headers: { vary: 'accept-language' } }))
  a.get('/file', () => file(join(dir, 'page.html')))
  a.get('/web', () =>
    stream(
      new ReadableStream<string>({
        start(controller) {
          controller.enqueue(BIG)
          controller.enqueue(BIG)
          controller.close()
        },
      }),
      { headers: { 'content-type': 'text/plain' } },
    ),
  )
  a.get('/events', () =>
    sse(
      (async function* () {
        yield { event: 'first', data: BIG }
        await paused.wait()
        yield { event: 'second', data: 'bye' }
      })(),
    ),
  )
  a.get('/stream', () =>
    stream(
      (async function* () {
        try {
          yield `chunk one ${'a'.repeat(2000)}\n`
          await paused.wait()
          yield 'chunk two\n'
        } finally {
          released = true
        }
      })(),
      { headers: { 'content-type': 'text/plain; charset=utf-8' } },
    ),
  )
  app = a
  return a
}

describeBoth('compress', makeApp, (client) => {
  const get = (path: string, acceptEncoding?: string, method = 'GET') =>
    client().request(path, {
      method,
      headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
    })

  test('gzip round-trip: content-encoding, vary, correct length', async () => {
    const res = await get('/big', 'gzip, deflate')
    expect(res.header('content-encoding')).toBe('gzip')
    expect(varyOf(res.headers)).toEqual(['accept-encoding'])
    expect(res.body.byteLength).toBeLessThan(BIG.length)
    expect(res.header('content-length')).toBe(String(res.body.byteLength))
    expect(gunzipSync(res.body).toString()).toBe(BIG)
  })

  test('brotli round-trip, preferred on a tie; a strong etag becomes weak', async () => {
    const res = await get('/json', 'gzip, deflate, br')
    expect(res.header('content-encoding')).toBe('br')
    expect(res.header('etag')).toBe('W/"v1"')
    expect(JSON.parse(brotliDecompressSync(res.body).toString())).toEqual({
      words: BIG.split(' '),
    })
  })

  test('q-values choose the coding; q=0 refuses it; identity may win', async () => {
    expect((await get('/big', 'br;q=0.2, gzip;q=0.8')).header('content-encoding')).toBe('gzip')
    expect((await get('/big', 'br;q=0, gzip')).header('content-encoding')).toBe('gzip')
    const refused = await get('/big', 'gzip;q=0, br;q=0')
    expect(refused.header('content-encoding')).toBeUndefined()
    expect(refused.text()).toBe(BIG)
    expect(varyOf(refused.headers)).toEqual(['accept-encoding'])
    expect((await get('/big', '*;q=0')).header('content-encoding')).toBeUndefined()
    expect((await get('/big', 'gzip;q=0.5, identity')).header('content-encoding')).toBeUndefined()
    expect((await get('/big', 'identity')).header('content-encoding')).toBeUndefined()
    const none = await get('/big')
    expect([none.header('content-encoding'), none.text()]).toEqual([undefined, BIG])
  })

  test('bodies under the threshold are left alone (no vary either)', async () => {
    const res = await get('/small', 'gzip')
    expect([res.header('content-encoding'), res.text(), res.header('vary')]).toEqual([
      undefined,
      'tiny',
      undefined,
    ])
  })

  test('skipped: already encoded, non-compressible type, no-transform, 206, files, HEAD', async () => {
    const encoded = await get('/encoded', 'br')
    expect(encoded.header('content-encoding')).toBe('gzip')
    expect(gunzipSync(encoded.body).toString()).toBe(BIG)
    for (const path of ['/png', '/no-transform', '/partial', '/file']) {
      const res = await get(path, 'gzip')
      expect([path, res.header('content-encoding')]).toEqual([path, undefined])
    }
    expect((await get('/file', 'gzip')).text()).toBe(BIG)
    const head = await get('/big', 'gzip', 'HEAD')
    expect([head.status, head.header('content-encoding'), head.body.byteLength]).toEqual([
      200,
      undefined,
      0,
    ])
  })

  test('a web ReadableStream body is compressed too', async () => {
    const res = await get('/web', 'gzip')
    expect(res.header('content-encoding')).toBe('gzip')
    expect(gunzipSync(res.body).toString()).toBe(BIG + BIG)
  })

  test('vary: accept-encoding is appended to an existing vary', async () => {
    const res = await get('/varied', 'gzip')
    expect(varyOf(res.headers)).toEqual(['accept-language', 'accept-encoding'])
  })

  test('SSE is never compressed and arrives event by event', async () => {
    const res = await within(
      openStream(client(), app, '/events', { 'accept-encoding': 'gzip, br' }),
      DEADLINE,
      'response head',
    )
    expect(res.header('content-encoding')).toBeUndefined()
    expect(res.header('content-type')).toBe('text/event-stream; charset=utf-8')
    let received = ''
    while (!received.includes('\n\n')) {
      const chunk = await within(res.next(), DEADLINE, 'first event before the second is sent')
      if (chunk === null) break
      received += new TextDecoder().decode(chunk)
    }
    expect(received.startsWith('event: first\n')).toBe(true)
    paused.open()
    for (let c = await res.next(); c !== null; c = await res.next())
      received += new TextDecoder().decode(c)
    expect(received.endsWith('event: second\ndata: bye\n\n')).toBe(true)
  })

  for (const encoding of ['gzip', 'br']) {
    test(`a stream is compressed with ${encoding} and flushed per chunk`, async () => {
      const res = await within(
        openStream(client(), app, '/stream', { 'accept-encoding': encoding }),
        DEADLINE,
        'response head (sent with the first flushed chunk)',
      )
      expect(res.header('content-encoding')).toBe(encoding)
      expect(res.header('content-length')).toBeUndefined()
      const parts: Uint8Array[] = []
      let decoded = ''
      while (!decoded.endsWith('\n')) {
        const chunk = await within(res.next(), DEADLINE, 'the first chunk, flushed')
        if (chunk === null) break
        parts.push(chunk)
        decoded = partial(encoding, Buffer.concat(parts))
      }
      expect(decoded).toBe(`chunk one ${'a'.repeat(2000)}\n`)
      expect(Buffer.concat(parts).byteLength).toBeLessThan(decoded.length)
      paused.open()
      for (let c = await res.next(); c !== null; c = await res.next()) parts.push(c)
      const all = Buffer.concat(parts)
      const whole = encoding === 'gzip' ? gunzipSync(all) : brotliDecompressSync(all) // complete streams
      expect(whole.toString()).toBe(`chunk one ${'a'.repeat(2000)}\nchunk two\n`)
    })
  }

  test('a client leaving a compressed stream releases its source', async () => {
    const res = await openStream(client(), app, '/stream', { 'accept-encoding': 'gzip' })
    await within(res.next(), DEADLINE, 'first chunk')
    res.abort()
    paused.open()
    await waitFor(() => released)
  })
})

describeBoth(
  'compress: options',
  () => {
    const a = createApp()
    a.use(
      compress({
        threshold: 10,
        encodings: ['gzip'],
        filter: (type) => type.startsWith('application/octet-stream'),
      }),
    )
    a.get('/bin', () => bytes(new Uint8Array(2048)))
    a.get('/text', () => text(BIG))
    a.get('/events', () =>
      sse(
        (async function* () {
          yield BIG
        })(),
      ),
    )
    return a
  },
  (client) => {
    test('custom filter, threshold and codings', async () => {
      const bin = await client().request('/bin', { headers: { 'accept-encoding': 'br, gzip' } })
      expect(bin.header('content-encoding')).toBe('gzip')
      expect(gunzipSync(bin.body).byteLength).toBe(2048)
      const txt = await client().request('/text', { headers: { 'accept-encoding': 'gzip' } })
      expect(txt.header('content-encoding')).toBeUndefined()
      const br = await client().request('/bin', { headers: { 'accept-encoding': 'br' } })
      expect(br.header('content-encoding')).toBeUndefined()
    })
  },
)

describe('negotiateEncoding', () => {
  test('q-values, wildcards, aliases and identity', () => {
    expect(negotiateEncoding(undefined)).toBeNull()
    expect(negotiateEncoding('')).toBeNull()
    expect(negotiateEncoding('gzip')).toBe('gzip')
    expect(negotiateEncoding('x-gzip')).toBe('gzip')
    expect(negotiateEncoding('*')).toBe('br')
    expect(negotiateEncoding('*', ['gzip', 'br'])).toBe('gzip')
    expect(negotiateEncoding('br;q=0, *;q=0.5')).toBe('gzip')
    expect(negotiateEncoding('GZIP;Q=0.5, identity;q=0.4')).toBe('gzip')
    expect(negotiateEncoding('gzip;q=0.5, identity;q=0.6')).toBeNull()
    expect(negotiateEncoding('deflate, compress')).toBeNull()
    expect(negotiateEncoding('gzip;q=bogus')).toBeNull()
  })
})

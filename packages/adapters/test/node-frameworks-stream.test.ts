import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { Application } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { serve } from '@tsgi/server'
import express from 'express'
import Koa from 'koa'
import { request } from 'undici'
import { describe, expect, test } from 'vitest'
import { fromNodeListener } from '../src/node/index.ts'
import { memory, type Transport, until, values, wire } from './node-helpers.ts'

const CHUNK = 16 * 1024
const TOTAL = 8 * 1024 * 1024

/** A lazy source of TOTAL bytes that counts how much it produced. */
function source(stats: { produced: number }): Readable {
  return new Readable({
    read() {
      if (stats.produced >= TOTAL) return void this.push(null)
      stats.produced += CHUNK
      this.push(Buffer.alloc(CHUNK, 0x62))
    },
  })
}

/** Tracks how far the producer ran ahead of what `send()` handed to the client. */
function tracked(
  listener: (stats: { produced: number }) => Parameters<typeof fromNodeListener>[0],
) {
  const stats = { produced: 0, delivered: 0, maxAhead: 0 }
  const inner = fromNodeListener(listener(stats))
  const app: Application = (scope, receive, send) =>
    inner(scope, receive, async (event) => {
      await send(event)
      if (event.type === 'http.response.body') stats.delivered += event.body?.length ?? 0
      stats.maxAhead = Math.max(stats.maxAhead, stats.produced - stats.delivered)
    })
  return { stats, app }
}

const streamers = {
  'Express (stream.pipe(res))': (stats: { produced: number }) => {
    const app = express()
    app.get('/', (_req, res) => {
      res.type('application/octet-stream')
      source(stats).pipe(res)
    })
    return app
  },
  'Koa (ctx.body = stream)': (stats: { produced: number }) => {
    const app = new Koa()
    app.use((ctx) => {
      ctx.type = 'application/octet-stream'
      ctx.body = source(stats)
    })
    return app.callback()
  },
}

async function slowDrain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let received = 0
  for await (const chunk of body) {
    received += chunk.length
    await new Promise((r) => setImmediate(r))
  }
  return received
}

describe.each(Object.entries(streamers))('streaming through %s', (_name, make) => {
  // Bound: a few of node's 16 KiB stream buffers (80 KiB measured), never the whole 8 MiB.
  const bound = 256 * 1024

  test('in memory: a slow client holds the producer back', async () => {
    const { stats, app } = tracked(make)
    const res = await createTestClient(app, { highWaterMark: 64 * 1024 }).stream('/')
    expect(await slowDrain(res)).toBe(TOTAL)
    expect(stats.maxAhead).toBeLessThanOrEqual(bound)
  })

  test('over a socket: a slow client holds the producer back', async () => {
    const { stats, app } = tracked(make)
    await using server = await serve(app, { port: 0, host: '127.0.0.1', accessLog: false })
    const res = await request(server.url)
    expect(await slowDrain(res.body)).toBe(TOTAL)
    expect(stats.maxAhead).toBeLessThanOrEqual(bound)
  })
})

/** Express and Koa apps that start a response, then wait: the client leaves mid-response. */
function waiting() {
  const events: string[] = []
  const record = (req: IncomingMessage, res: ServerResponse) => {
    req.on('close', () => events.push('req:close'))
    res.on('close', () => events.push('res:close'))
    res.on('finish', () => events.push('res:finish'))
  }
  const ex = express()
  ex.get('/', (req, res) => {
    record(req, res)
    res.write('first')
  })
  const koa = new Koa()
  koa.silent = true // koa reports the destroyed body stream ('Premature close'), as on node:http
  koa.use((ctx) => {
    record(ctx.req, ctx.res)
    const body = new Readable({ read() {} })
    body.on('close', () => events.push('stream:destroyed'))
    body.push('first')
    ctx.body = body
  })
  return { events, apps: { Express: fromNodeListener(ex), Koa: fromNodeListener(koa.callback()) } }
}

describe.each(['Express', 'Koa'] as const)('%s: the client leaves mid-response', (name) => {
  test('in memory: res and req close once, no finish', async () => {
    const { events, apps } = waiting()
    const controller = new AbortController()
    const res = await createTestClient(apps[name]).stream('/', { signal: controller.signal })
    expect(res.status).toBe(200)
    controller.abort()
    await until(() => events.includes('res:close') && events.includes('req:close'))
    if (name === 'Koa') await until(() => events.includes('stream:destroyed'))
    expect(events.filter((e) => e === 'res:close')).toHaveLength(1)
    expect(events).not.toContain('res:finish')
  })

  test('over a socket: res closes once, no finish (Koa destroys its body stream)', async () => {
    const { events, apps } = waiting()
    await using server = await serve(apps[name], { port: 0, host: '127.0.0.1', accessLog: false })
    const controller = new AbortController()
    const res = await request(server.url, { signal: controller.signal })
    expect(res.statusCode).toBe(200)
    controller.abort()
    await res.body.text().catch(() => {})
    await until(() => events.includes('res:close'))
    if (name === 'Koa') await until(() => events.includes('stream:destroyed'))
    expect(events.filter((e) => e === 'res:close')).toHaveLength(1)
    expect(events).not.toContain('res:finish')
  })
})

function edgeApp(): express.Express {
  const app = express()
  app.get('/page', (_req, res) => {
    res.set('etag', '"v1"').send('the page body')
  })
  app.get('/empty', (_req, res) => {
    res.status(204).send('ignored')
  })
  app.get('/trailers', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' })
    res.write('part1,')
    res.write('part2')
    res.addTrailers({ 'x-checksum': 'c0ffee' })
    res.end()
  })
  return app
}

describe.each(['memory', 'wire'] as const)('Express HEAD, 204, 304 (%s)', (kind) => {
  const app = fromNodeListener(edgeApp())
  const open = (): Promise<Transport> =>
    kind === 'memory' ? Promise.resolve(memory(app)) : wire(app)

  test('HEAD keeps the GET content-length and has no body', async () => {
    const t = await open()
    const got = await t.hit({ method: 'HEAD', path: '/page' })
    await t.close()
    expect(got.status).toBe(200)
    expect(values(got, 'content-length')).toEqual([String('the page body'.length)])
    expect(got.text).toBe('')
  })

  test('204 drops the body Express was given', async () => {
    const t = await open()
    const got = await t.hit({ path: '/empty' })
    await t.close()
    expect(got.status).toBe(204)
    expect(got.text).toBe('')
    expect(values(got, 'content-length')).toEqual([])
  })

  test('304 for a matching If-None-Match, with the etag and no body', async () => {
    const t = await open()
    const got = await t.hit({ path: '/page', headers: { 'if-none-match': '"v1"' } })
    await t.close()
    expect(got.status).toBe(304)
    expect(values(got, 'etag')).toEqual(['"v1"'])
    expect(got.text).toBe('')
  })
})

describe('Express res.addTrailers()', () => {
  test('in memory: the trailer arrives after the body', async () => {
    const res = await createTestClient(fromNodeListener(edgeApp())).request('/trailers')
    expect(res.text()).toBe('part1,part2')
    expect(res.trailers).toEqual([['x-checksum', 'c0ffee']])
  })

  test('over a socket: sent as a chunked trailer to a client that accepts them', async () => {
    await using server = await serve(fromNodeListener(edgeApp()), {
      port: 0,
      host: '127.0.0.1',
      accessLog: false,
    })
    // The server sends trailers only to a client that said `TE: trailers` (RFC 9110 §6.5.1).
    const res = await request(`${server.url}/trailers`, { headers: { te: 'trailers' } })
    expect(await res.body.text()).toBe('part1,part2')
    expect(res.trailers).toEqual({ 'x-checksum': 'c0ffee' })
  })
})

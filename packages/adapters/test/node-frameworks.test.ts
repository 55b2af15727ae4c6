import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { checkApp } from '@tsgi/protocol/conformance'
import connect from 'connect'
import Fastify, { type FastifyInstance } from 'fastify'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fromNodeListener, type NodeListener } from '../src/node/index.ts'
import { memory, type Transport, values, wire } from './node-helpers.ts'

function koaApp(): Koa {
  const app = new Koa()
  app.silent = true // errors are answered with 500; koa would also log them
  app.use(async (ctx, next) => {
    ctx.set('x-koa', 'middleware')
    await next()
  })
  app.use(async (ctx) => {
    if (ctx.path === '/text') ctx.body = 'hello koa'
    else if (ctx.path === '/json') ctx.body = { url: ctx.url, ip: ctx.ip, secure: ctx.secure }
    else if (ctx.path === '/stream') {
      ctx.type = 'text/plain'
      ctx.body = Readable.from(['a', 'b', 'c'])
    } else if (ctx.path === '/echo') {
      const chunks: Buffer[] = []
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
      ctx.body = `got ${Buffer.concat(chunks).toString()}`
    } else if (ctx.path === '/cookies') {
      ctx.cookies.set('a', '1')
      ctx.cookies.set('b', '2')
      ctx.status = 204
    } else if (ctx.path === '/teapot') ctx.throw(418, 'short and stout')
    else if (ctx.path === '/boom') throw new Error('boom')
  })
  return app
}

function connectApp(): connect.Server {
  const app = connect()
  app.use((req, res, next) => {
    res.setHeader('x-chain', 'first')
    ;(req as typeof req & { seen?: string[] }).seen = ['first']
    next()
  })
  app.use('/mounted', (req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.end(`mounted ${req.url} ${(req as typeof req & { seen?: string[] }).seen?.join(',')}`)
  })
  app.use('/boom', (_req, _res, next) => next(new Error('boom')))
  return app
}

function fastifyRoutes(app: FastifyInstance): FastifyInstance {
  app.get('/json', async (req) => ({ url: req.url, ip: req.ip, query: req.query }))
  app.post('/echo', async (req) => ({ got: req.body }))
  app.get('/stream', (_req, reply) => {
    reply.type('text/plain').send(Readable.from(['x', 'y', 'z']))
  })
  app.get('/cookies', (_req, reply) => {
    reply.header('set-cookie', ['a=1', 'b=2']).send('ok')
  })
  app.get('/boom', async () => {
    throw new Error('boom')
  })
  return app
}

/** fastify's documented ways to get at its listener, each as a node listener or server. */
async function fastifyStyles(): Promise<Record<string, Parameters<typeof fromNodeListener>[0]>> {
  let captured: NodeListener | undefined
  const factory = fastifyRoutes(
    Fastify({
      serverFactory: (handler) => {
        captured = handler as NodeListener
        return createServer()
      },
    }),
  )
  await factory.ready()
  const routing = fastifyRoutes(Fastify())
  await routing.ready()
  const emitted = fastifyRoutes(Fastify())
  await emitted.ready()
  return {
    serverFactory: captured as NodeListener,
    routing: routing.routing as NodeListener,
    'server.emit': (req, res) => {
      emitted.server.emit('request', req, res)
    },
    'app.server': emitted.server,
  }
}

const kinds = ['memory', 'wire'] as const
const transport = (
  kind: (typeof kinds)[number],
  listener: Parameters<typeof fromNodeListener>[0],
) => (kind === 'memory' ? memory(fromNodeListener(listener)) : wire(fromNodeListener(listener)))

describe.each(kinds)('Koa 3 through koa.callback() (%s)', (kind) => {
  let t: Transport
  beforeAll(async () => {
    t = await transport(kind, koaApp().callback())
  })
  afterAll(() => t.close())

  test('ctx.body string, middleware headers', async () => {
    const got = await t.hit({ path: '/text' })
    expect(got.status).toBe(200)
    expect(got.text).toBe('hello koa')
    expect(values(got, 'x-koa')).toEqual(['middleware'])
    expect(values(got, 'content-length')).toEqual(['9'])
  })

  test('ctx.body object, ctx.url and ctx.ip', async () => {
    const got = await t.hit({ path: '/json?q=1' })
    expect(JSON.parse(got.text)).toEqual({ url: '/json?q=1', ip: '127.0.0.1', secure: false })
  })

  test('ctx.body stream', async () => {
    const got = await t.hit({ path: '/stream' })
    expect(got.text).toBe('abc')
  })

  test('ctx.req read as a stream', async () => {
    const got = await t.hit({ method: 'POST', path: '/echo', body: 'payload' })
    expect(got.text).toBe('got payload')
  })

  test('two ctx.cookies.set() stay two set-cookie fields; 204 has no body', async () => {
    const got = await t.hit({ path: '/cookies' })
    expect(got.status).toBe(204)
    expect(values(got, 'set-cookie')).toEqual(['a=1; path=/; httponly', 'b=2; path=/; httponly'])
    expect(got.text).toBe('')
  })

  test('ctx.throw(418), a thrown error (500) and the default 404', async () => {
    const teapot = await t.hit({ path: '/teapot' })
    expect([teapot.status, teapot.text]).toEqual([418, 'short and stout'])
    const boom = await t.hit({ path: '/boom' })
    expect([boom.status, boom.text]).toEqual([500, 'Internal Server Error'])
    const missing = await t.hit({ path: '/missing' })
    expect([missing.status, missing.text]).toEqual([404, 'Not Found'])
  })

  test('HEAD gets the headers and no body', async () => {
    const got = await t.hit({ method: 'HEAD', path: '/text' })
    expect(got.status).toBe(200)
    expect(values(got, 'content-length')).toEqual(['9'])
    expect(got.text).toBe('')
  })
})

describe.each(kinds)('Connect 3 (%s)', (kind) => {
  let t: Transport
  beforeAll(async () => {
    t = await transport(kind, connectApp())
  })
  afterAll(() => t.close())

  test('the middleware chain runs in order and a mounted handler sees its own url', async () => {
    const got = await t.hit({ path: '/mounted/x?y=1' })
    expect(got.text).toBe('mounted /x?y=1 first')
    expect(values(got, 'x-chain')).toEqual(['first'])
  })

  test('next(error) and unmatched paths reach connect’s final handler', async () => {
    const boom = await t.hit({ path: '/boom' })
    expect(boom.status).toBe(500)
    const missing = await t.hit({ path: '/missing' })
    expect(missing.status).toBe(404)
    expect(missing.text).toContain('Cannot GET /missing')
  })
})

const styles = await fastifyStyles()

describe.each(kinds.flatMap((kind) => Object.keys(styles).map((style) => [kind, style] as const)))(
  'fastify 5 through %s, %s',
  (kind, style) => {
    let t: Transport
    beforeAll(async () => {
      t = await transport(kind, styles[style] as Parameters<typeof fromNodeListener>[0])
    })
    afterAll(() => t.close())

    test('a JSON route with a query and the client address', async () => {
      const got = await t.hit({ path: '/json?a=1' })
      expect(got.status).toBe(200)
      expect(JSON.parse(got.text)).toEqual({ url: '/json?a=1', ip: '127.0.0.1', query: { a: '1' } })
    })

    test('a JSON request body', async () => {
      const got = await t.hit({
        method: 'POST',
        path: '/echo',
        headers: { 'content-type': 'application/json' },
        body: '{"n":2}',
      })
      expect(JSON.parse(got.text)).toEqual({ got: { n: 2 } })
    })

    test('a stream reply, set-cookie values, errors and 404', async () => {
      expect((await t.hit({ path: '/stream' })).text).toBe('xyz')
      expect(values(await t.hit({ path: '/cookies' }), 'set-cookie')).toEqual(['a=1', 'b=2'])
      const boom = await t.hit({ path: '/boom' })
      expect(boom.status).toBe(500)
      expect(JSON.parse(boom.text)).toMatchObject({ statusCode: 500, message: 'boom' })
      const missing = await t.hit({ path: '/missing' })
      expect(missing.status).toBe(404)
      expect(JSON.parse(missing.text)).toMatchObject({ statusCode: 404 })
    })
  },
)

describe('checkApp', () => {
  test.each([
    ['koa.callback()', () => koaApp().callback()],
    ['Connect', () => connectApp()],
    ['fastify (routing)', () => styles.routing as NodeListener],
    ['fastify (app.server)', () => styles['app.server'] as Parameters<typeof fromNodeListener>[0]],
  ])('fromNodeListener(%s) passes the conformance checks', async (_name, make) => {
    const report = await checkApp(fromNodeListener(make()))
    expect(report.violations).toEqual([])
    expect(report.passed).toBe(true)
  })
})

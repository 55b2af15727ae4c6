/**
 * One benchmark target in its own process: `node bench/target.ts <node|fastify|tsgi> <port>`.
 * Each answers the same routes the same way, written the way its users write it:
 *   GET  /          → {"hello":"world"}
 *   GET  /users/:id → {"id":"<id>"}
 *   POST /echo      → the JSON body, echoed
 *   GET  /stream    → 1 MiB in 16 chunks of 64 KiB
 *   anything else   → 404 {"error":"not found"}
 * Raw node:http answers with a string body in one `res.end(str)` (a Buffer body is written
 * apart from the head, a cost users do not pay); the tsgi app is a bare protocol app, two
 * awaited sends with a Content-Length. Prints "ready" once listening.
 */
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import type { Application, Receive, Send } from '@tsgi/protocol'
import { serve } from '../src/index.ts'

const [kind, portArg] = process.argv.slice(2)
// Exit normally on a signal so --cpu-prof can write its profile.
process.on('SIGTERM', () => {
  const cpu = process.cpuUsage()
  process.stderr.write(`cpu ${kind} user ${cpu.user / 1000} ms system ${cpu.system / 1000} ms\n`)
  process.exit(0)
})
// The soak asks for the retained memory (after a full GC) with SIGUSR2.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const m = process.memoryUsage()
  process.stderr.write(
    `memory heapUsed=${m.heapUsed} arrayBuffers=${m.arrayBuffers} rss=${m.rss}\n`,
  )
})
const port = Number(portArg)
const chunk = Buffer.alloc(64 * 1024, 97)
const CHUNKS = 16
const USERS = '/users/'

if (kind === 'node') {
  createServer((req, res) => {
    const url = req.url ?? '/'
    if (url === '/') {
      const body = JSON.stringify({ hello: 'world' })
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body)
    } else if (url.startsWith(USERS)) {
      const body = JSON.stringify({ id: url.slice(USERS.length) })
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body)
    } else if (url === '/echo' && req.method === 'POST') {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => {
        body += c
      })
      req.on('end', () => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        })
        res.end(body)
      })
    } else if (url === '/stream') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      let i = 0
      const write = () => {
        while (i < CHUNKS) {
          i++
          if (i === CHUNKS) return void res.end(chunk)
          if (!res.write(chunk)) return void res.once('drain', write)
        }
      }
      write()
    } else {
      const body = JSON.stringify({ error: 'not found' })
      res.writeHead(404, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body)
    }
  }).listen(port, '127.0.0.1', () => console.log('ready'))
} else if (kind === 'fastify') {
  // fastify is a devDependency of packages/framework, not of this package: reached by path.
  const { default: Fastify } = (await import(
    new URL('../../framework/node_modules/fastify/fastify.js', import.meta.url).href
  )) as { default: (opts: object) => FastifyLike }
  const app = Fastify({ logger: false })
  app.get('/', async () => ({ hello: 'world' }))
  app.get('/users/:id', async (req) => ({ id: (req.params as { id: string }).id }))
  app.post('/echo', async (req) => req.body)
  app.get('/stream', (_req, reply) => {
    let i = 0
    const stream = new Readable({
      read() {
        this.push(i++ < CHUNKS ? chunk : null)
      },
    })
    reply.type('application/octet-stream').send(stream)
  })
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send({ error: 'not found' })
  })
  await app.listen({ port, host: '127.0.0.1' })
  console.log('ready')
} else {
  const respond = async (send: Send, status: number, text: string) => {
    const body = Buffer.from(text)
    await send({
      type: 'http.response.start',
      status,
      headers: [
        ['content-type', 'application/json'],
        ['content-length', String(body.byteLength)],
      ],
    })
    await send({ type: 'http.response.body', body })
  }
  const echo = async (receive: Receive, send: Send) => {
    const parts: Uint8Array[] = []
    for (;;) {
      const event = await receive()
      if (event.type !== 'http.request') return
      parts.push(event.body)
      if (!event.moreBody) break
    }
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [
        ['content-type', 'application/json'],
        ['content-length', String(body.byteLength)],
      ],
    })
    await send({ type: 'http.response.body', body })
  }
  const app: Application = async (scope, receive, send) => {
    if (scope.type !== 'http') return
    const path = scope.path
    if (path === '/') {
      const body = Buffer.from(JSON.stringify({ hello: 'world' }))
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['content-type', 'application/json'],
          ['content-length', String(body.byteLength)],
        ],
      })
      await send({ type: 'http.response.body', body })
    } else if (path.startsWith(USERS)) {
      await respond(send, 200, JSON.stringify({ id: path.slice(USERS.length) }))
    } else if (path === '/echo' && scope.method === 'POST') {
      await echo(receive, send)
    } else if (path === '/stream') {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-type', 'application/octet-stream']],
      })
      for (let i = 1; i <= CHUNKS; i++)
        await send({ type: 'http.response.body', body: chunk, moreBody: i < CHUNKS })
    } else {
      await respond(send, 404, JSON.stringify({ error: 'not found' }))
    }
  }
  // Like-for-like with the raw server: no access log, no lifespan.
  await serve(app, { port, accessLog: false, lifespan: 'off', logLevel: 'warn' })
  console.log('ready')
}

/** The subset of fastify's instance used here (it is not a dependency of this package). */
interface FastifyLike {
  get(path: string, handler: (req: { params: unknown }, reply: ReplyLike) => unknown): void
  post(path: string, handler: (req: { body: unknown }) => unknown): void
  setNotFoundHandler(handler: (req: unknown, reply: ReplyLike) => void): void
  listen(opts: { port: number; host: string }): Promise<string>
}
interface ReplyLike {
  code(status: number): ReplyLike
  type(contentType: string): ReplyLike
  send(payload: unknown): ReplyLike
}

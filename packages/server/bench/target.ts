/**
 * One benchmark target in its own process: `node bench/target.ts <node|tsgi> <port>`.
 * Both answer the same three routes the same way:
 *   GET  /        → {"hello":"world"}
 *   POST /echo    → the JSON body, echoed
 *   GET  /stream  → 1 MiB in 16 chunks of 64 KiB
 * Prints "ready" once listening.
 */
import { createServer } from 'node:http'
import type { Application } from '@tsgi/protocol'
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
const hello = Buffer.from(JSON.stringify({ hello: 'world' }))
const chunk = Buffer.alloc(64 * 1024, 97)
const CHUNKS = 16

if (kind === 'node') {
  createServer((req, res) => {
    if (req.url === '/echo') {
      const parts: Buffer[] = []
      req.on('data', (c: Buffer) => parts.push(c))
      req.on('end', () => {
        const body = Buffer.concat(parts)
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
        res.end(body)
      })
    } else if (req.url === '/stream') {
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
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': hello.length })
      res.end(hello)
    }
  }).listen(port, '127.0.0.1', () => console.log('ready'))
} else {
  const app: Application = async (scope, receive, send) => {
    if (scope.type !== 'http') return
    if (scope.path === '/echo') {
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
        headers: [['content-type', 'application/json']],
      })
      await send({ type: 'http.response.body', body })
    } else if (scope.path === '/stream') {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-type', 'application/octet-stream']],
      })
      for (let i = 1; i <= CHUNKS; i++)
        await send({ type: 'http.response.body', body: chunk, moreBody: i < CHUNKS })
    } else {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-type', 'application/json']],
      })
      await send({ type: 'http.response.body', body: hello })
    }
  }
  // Like-for-like with the raw server: no access log, no lifespan.
  await serve(app, { port, accessLog: false, lifespan: 'off', logLevel: 'warn' })
  console.log('ready')
}

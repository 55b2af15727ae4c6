/**
 * `pnpm bench:stream`: the full-size backpressure check. Streams 1 GiB up to an app that reads
 * slowly, and 1 GiB down to a client that reads slowly, and reports the peak retained memory
 * of the process (sampled after a full GC) and the most the faster side ever got ahead.
 * BENCH_STREAM_MIB overrides the size.
 */
import { connect } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Application } from '@tsgi/protocol'
import { serve } from '../src/index.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const TOTAL = Number(process.env.BENCH_STREAM_MIB ?? 1024) * 1024 * 1024
const CHUNK = 64 * 1024
const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`

function retained() {
  const used = () => {
    gc()
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  const base = used()
  let peak = 0
  return {
    sample: () => {
      peak = Math.max(peak, used() - base)
    },
    peak: () => peak,
  }
}

let received = 0
let appSent = 0
let clientGot = 0
let memory = retained()
const chunk = new Uint8Array(CHUNK).fill(1)
const app: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') return
  if (scope.method === 'POST') {
    for (;;) {
      const event = await receive()
      if (event.type !== 'http.request') return
      received += event.body.byteLength
      if (received % (64 * 1024 * 1024) < event.body.byteLength) {
        memory.sample()
        await new Promise((r) => setTimeout(r, 2))
      }
      if (!event.moreBody) break
    }
    await send({ type: 'http.response.start', status: 204 })
    await send({ type: 'http.response.body' })
    return
  }
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-length', String(TOTAL)]],
  })
  for (appSent = 0; appSent < TOTAL; ) {
    await send({ type: 'http.response.body', body: chunk, moreBody: appSent + CHUNK < TOTAL })
    appSent += CHUNK
    if (appSent % (64 * 1024 * 1024) === 0) memory.sample()
  }
}

const server = await serve(app, { port: 0, accessLog: false, lifespan: 'off', logLevel: 'warn' })
const port = 'port' in server.address ? server.address.port : 0

let started = performance.now()
let maxLag = 0
await new Promise<void>((resolve, reject) => {
  const socket = connect(port, '127.0.0.1')
  const data = Buffer.alloc(CHUNK, 2)
  let sent = 0
  socket.on('error', reject)
  socket.on('data', () => {
    socket.destroy()
    resolve()
  })
  const pump = () => {
    while (sent < TOTAL) {
      sent += CHUNK
      maxLag = Math.max(maxLag, sent - received)
      if (!socket.write(data)) return void socket.once('drain', pump)
    }
  }
  socket.write(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${TOTAL}\r\n\r\n`)
  pump()
})
console.log(
  `upload   ${MiB(TOTAL)} in ${((performance.now() - started) / 1000).toFixed(1)} s: peak retained ${MiB(memory.peak())}, client ahead of app by at most ${MiB(maxLag)}`,
)

memory = retained()
maxLag = 0
started = performance.now()
await new Promise<void>((resolve, reject) => {
  const socket = connect(port, '127.0.0.1')
  let head = true
  socket.on('error', reject)
  socket.on('data', (d: Buffer) => {
    clientGot += head ? d.byteLength - d.indexOf('\r\n\r\n') - 4 : d.byteLength
    head = false
    maxLag = Math.max(maxLag, appSent - clientGot)
    socket.pause()
    setTimeout(() => socket.resume(), 1)
    if (clientGot >= TOTAL) {
      socket.destroy()
      resolve()
    }
  })
  socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n')
})
console.log(
  `download ${MiB(TOTAL)} in ${((performance.now() - started) / 1000).toFixed(1)} s: peak retained ${MiB(memory.peak())}, app ahead of client by at most ${MiB(maxLag)}`,
)
await server.close()

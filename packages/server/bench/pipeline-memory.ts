/**
 * `pnpm bench:pipeline`: the memory a pipelining client that reads nothing can make the server
 * hold (issue 10, item 1). Starts the `tsgi` CLI with a small app, reads its idle RSS from
 * /proc once it has served 20 000 ordinary pipelined requests (V8's young generation grows
 * under any load: tens of MiB that are not the attack's), pipelines REQUESTS (default 300 000)
 * `GET /` requests on one connection and reads nothing for HOLD_SECONDS (default 10) while
 * sampling the server's RSS, then reads every answer and counts them. PASS: the peak stays
 * within 64 MiB of that idle figure and every answer arrived.
 *
 * `TSGI_CLI=/path/to/src/cli.ts` runs another checkout's CLI (for a before/after figure).
 * Linux only (/proc). Not a test: a figure for the README.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'

const REQUESTS = Number(process.env.REQUESTS ?? 300_000)
const HOLD_SECONDS = Number(process.env.HOLD_SECONDS ?? 10)
const LIMIT_MIB = 64
const cli = process.env.TSGI_CLI ?? fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
const app = fileURLToPath(new URL('./pipeline-app.ts', import.meta.url))

const child = spawn(
  process.execPath,
  ['--conditions=@tsgi/source', cli, app, '--port', '0', '--no-access-log'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
)
let stderr = ''
const port = await new Promise<number>((resolve, reject) => {
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
    const m = /running on http:\/\/[^:]+:(\d+)/.exec(stderr)
    if (m) resolve(Number(m[1]))
  })
  child.once('exit', (code) => reject(new Error(`tsgi exited with ${code}:\n${stderr}`)))
})
const rssMiB = (): number => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const one = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
const batch = one.repeat(1000)
const status = 'HTTP/1.1 200 OK'

async function open() {
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return socket
}

/** Resolves with whether all `count` answers arrived on `socket` (it starts reading). */
function readAnswers(socket: Socket, count: number): Promise<number> {
  let answers = 0
  let tail = ''
  return new Promise<number>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1')
      for (let i = text.indexOf(status); i !== -1; i = text.indexOf(status, i + status.length))
        answers++
      tail = text.slice(-(status.length - 1))
      if (answers >= count) resolve(answers)
    })
    socket.once('close', () => resolve(answers))
    setTimeout(() => resolve(answers), 300_000).unref()
    socket.resume()
  })
}

await sleep(500)
const fresh = rssMiB()
// Warm up first (JIT, and V8 growing its young generation under allocation, which alone is
// tens of MiB): "idle" is the server at rest after ordinary pipelined traffic.
const warm = await open()
warm.write(batch.repeat(20))
await readAnswers(warm, 20_000)
warm.destroy()
await sleep(1000)
const idle = rssMiB()

const socket = await open()
socket.pause()
for (let sent = 0; sent < REQUESTS; sent += 1000)
  socket.write(sent + 1000 <= REQUESTS ? batch : one.repeat(REQUESTS - sent))

let peak = idle
const holdUntil = Date.now() + HOLD_SECONDS * 1000
while (Date.now() < holdUntil) {
  peak = Math.max(peak, rssMiB())
  await sleep(100)
}
const held = rssMiB()

// Now read everything: every request must get its answer.
const started = Date.now()
const answers = await readAnswers(socket, REQUESTS)
const complete = answers === REQUESTS
const readSeconds = (Date.now() - started) / 1000
socket.destroy()
child.kill('SIGTERM')
await new Promise((r) => child.once('exit', r))

const delta = peak - idle
const pass = delta <= LIMIT_MIB && complete
console.log(`pipelined ${REQUESTS} requests on one connection, nothing read for ${HOLD_SECONDS} s`)
console.log(`server RSS just started ${fresh.toFixed(1)} MiB`)
console.log(
  `server RSS idle ${idle.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB, at the end of the hold ${held.toFixed(1)} MiB`,
)
console.log(`delta ${delta.toFixed(1)} MiB (limit ${LIMIT_MIB} MiB)`)
console.log(`then read ${answers} of ${REQUESTS} answers in ${readSeconds.toFixed(1)} s`)
console.log(pass ? 'PASS' : 'FAIL')
process.exitCode = pass ? 0 : 1

/**
 * Bounded pipelining (SPEC.md §5.8.2): a client pipelining 300 000 requests and reading no
 * answer must not make the server hold them all. The server's memory is sampled from `/proc`
 * until it stops taking bytes and stops growing (or grows past the bound), then the client
 * reads and the answers must come in order.
 */
import { connect, type Socket } from 'node:net'
import { canMeasure, treeRss } from '../proc.ts'
import { type Case, CaseSkipped } from '../types.ts'
import { parseResponses } from '../wire.ts'
import { expectThat } from './util.ts'

const COUNT = 300_000
const BOUND = 256 * 1024 * 1024
const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
const request = (i: number) => `GET /length/${1 + (i % 3)} HTTP/1.1\r\nHost: h\r\n\r\n`

/** Samples every 100 ms until nothing moved for 2 s, the growth passes the bound, or 60 s. */
async function watch(pid: number, socket: Socket, base: number) {
  let peak = 0
  let handed = 0
  let still = 0
  const end = Date.now() + 60_000
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100)) // the sampling period
    const growth = treeRss(pid) - base
    const nowHanded = socket.bytesWritten - socket.writableLength
    const moved = nowHanded > handed || growth > peak + 1024 * 1024
    peak = Math.max(peak, growth)
    handed = Math.max(handed, nowHanded)
    still = moved ? 0 : still + 1
    if (peak > BOUND || still >= 20) break
  }
  return { peak, handed }
}

/** Resumes reading and resolves the first `n` complete responses (or fewer after 30 s). */
function readAnswers(socket: Socket, n: number) {
  return new Promise<ReturnType<typeof parseResponses>>((resolve) => {
    let data = Buffer.alloc(0)
    const done = () => {
      clearTimeout(timer)
      socket.removeAllListeners('data')
      let parsed: ReturnType<typeof parseResponses> = []
      try {
        parsed = parseResponses(data)
      } catch {}
      resolve(parsed.filter((r) => !r.truncated).slice(0, n))
    }
    const timer = setTimeout(done, 30_000)
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d])
      // Each answer is about 150 bytes: parse only once enough may have come.
      if (data.length <= n * 100) return
      let complete: number
      try {
        complete = parseResponses(data).filter((r) => !r.truncated).length
      } catch {
        done() // not a sequence of responses: the case fails on the answers it lacks
        return
      }
      if (complete >= n) done()
    })
    socket.on('close', done)
    socket.resume()
  })
}

export const pipeliningCases: Case[] = [
  {
    id: 'keepalive.pipelining-bounded',
    title: `${COUNT} pipelined requests, none read: the server grows by less than 256 MiB, then answers in order`,
    spec: '§5.8.2',
    app: 'main',
    timeoutMs: 150_000,
    async run(ctx) {
      if (!canMeasure(ctx.pid))
        throw new CaseSkipped('no /proc here to measure the memory of the server process')
      const pid = ctx.pid
      const base = treeRss(pid)
      const all = Buffer.from(Array.from({ length: COUNT }, (_, i) => request(i)).join(''))
      const socket = connect(ctx.port, ctx.host)
      socket.on('error', () => {})
      socket.pause()
      await new Promise((r) => socket.once('connect', r))
      // In 64 KiB writes, so that what the server took shows in bytesWritten - writableLength.
      for (let at = 0; at < all.length; at += 65536) socket.write(all.subarray(at, at + 65536))
      try {
        const { peak, handed } = await watch(pid, socket, base)
        const answers = peak > BOUND ? [] : await readAnswers(socket, 1000)
        const inOrder = answers.every(
          (r, i) => r.status === 200 && r.body.toString() === 'x'.repeat(1 + (i % 3)),
        )
        expectThat(
          peak <= BOUND && answers.length === 1000 && inOrder,
          `${COUNT} pipelined GETs (${MiB(all.length)}) on one connection, reading nothing`,
          `the server took ${MiB(handed)} and grew by ${MiB(peak)}; then ${answers.length} answers read${inOrder ? '' : ', not in order'}`,
          'growth under 256 MiB (the server stops reading), then the first 1000 answers in order',
        )
      } finally {
        socket.destroy()
      }
    },
  },
]

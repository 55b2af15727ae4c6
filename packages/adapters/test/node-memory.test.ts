/**
 * 64 MiB through the node adapter both ways over a real socket, with memory bounded: the bytes
 * the adapter holds (pulled but not read, sent but not acknowledged) and the process's retained
 * memory (`heapUsed + arrayBuffers` after a forced GC, sampled every 4 MiB) stay far below the
 * transfer size. The client runs in a child process (node's own http client), so what is
 * measured is the serving side alone: an in-process client adds its own noise (undici keeps its
 * parser in WebAssembly memory, which grows and never shrinks).
 */

import { execFile } from 'node:child_process'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Application } from '@tsgi/protocol'
import { serve } from '@tsgi/server'
import express from 'express'
import { describe, expect, test } from 'vitest'
import { fromNodeListener } from '../src/node/index.ts'

const MiB = 1024 * 1024
const TOTAL = 64 * MiB
const CHUNK = 64 * 1024
const BOUND = 16 * MiB

// A GC on demand makes "retained" measurable: without it, garbage not yet collected would count.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Node one-liners run as the client: each prints what it got. */
const UPLOAD = `const piece = Buffer.alloc(${CHUNK}, 0x75); let sent = 0
const req = require('node:http').request(process.argv[1], { method: 'POST',
  headers: { 'content-length': ${TOTAL} } }, (res) => { let s = ''
  res.on('data', (c) => { s += c }); res.on('end', () => console.log(s)) })
const pump = () => { while (sent < ${TOTAL}) { sent += piece.length
  if (!req.write(piece)) return void req.once('drain', pump) } req.end() }
pump()`
const DOWNLOAD = `require('node:http').get(process.argv[1], (res) => { let n = 0
  res.on('data', (c) => { n += c.length }); res.on('end', () => console.log(n)) })`

function client(script: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, url], (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim()),
    )
  })
}

/** Samples retained memory growth over a baseline. */
function meter() {
  const used = () => {
    gc()
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  const base = used()
  const state = { peak: 0, samples: 0, next: 4 * MiB }
  return {
    state,
    /** Call with the bytes moved so far; samples each time another 4 MiB went by. */
    at(moved: number) {
      if (moved < state.next) return
      state.next += 4 * MiB
      state.samples++
      state.peak = Math.max(state.peak, used() - base)
    },
  }
}

/** Bytes the adapter pulled ahead of the listener, and bytes pending in `send()`. */
function inFlight(app: Application, consumed: () => number) {
  const stats = { pulled: 0, maxAhead: 0, pending: 0, maxPending: 0 }
  const wrapped: Application = (scope, receive, send) =>
    app(
      scope,
      async () => {
        const event = await receive()
        if (event.type === 'http.request') stats.pulled += event.body.length
        stats.maxAhead = Math.max(stats.maxAhead, stats.pulled - consumed())
        return event
      },
      async (event) => {
        const size = event.type === 'http.response.body' ? (event.body?.length ?? 0) : 0
        stats.pending += size
        stats.maxPending = Math.max(stats.maxPending, stats.pending)
        try {
          await send(event)
        } finally {
          stats.pending -= size
        }
      },
    )
  return { stats, app: wrapped }
}

describe('64 MiB through fromNodeListener over a real socket, memory bounded', () => {
  test('upload: Express reads the request as a stream', async () => {
    const m = meter()
    let consumed = 0
    const ex = express()
    ex.post('/upload', async (req, res) => {
      for await (const chunk of req) {
        consumed += (chunk as Buffer).length
        m.at(consumed)
      }
      res.json({ consumed })
    })
    const { stats, app } = inFlight(fromNodeListener(ex), () => consumed)
    await using server = await serve(app, { port: 0, host: '127.0.0.1', accessLog: false })
    expect(JSON.parse(await client(UPLOAD, `${server.url}/upload`))).toEqual({ consumed: TOTAL })
    expect(m.state.samples).toBe(16)
    expect(m.state.peak).toBeLessThan(BOUND)
    expect(stats.maxAhead).toBeLessThan(2 * MiB)
  })

  test('download: a listener writing with write() and drain', async () => {
    const m = meter()
    const listener = async (_req: IncomingMessage, res: ServerResponse) => {
      const piece = Buffer.alloc(CHUNK, 0x64)
      res.setHeader('content-type', 'application/octet-stream')
      for (let written = 0; written < TOTAL; written += CHUNK) {
        m.at(written)
        if (!res.write(piece)) await new Promise<void>((r) => res.once('drain', r))
      }
      res.end()
    }
    const { stats, app } = inFlight(fromNodeListener(listener), () => 0)
    await using server = await serve(app, { port: 0, host: '127.0.0.1', accessLog: false })
    const received = Number(await client(DOWNLOAD, server.url))
    expect(received).toBe(TOTAL)
    expect(m.state.samples).toBe(15)
    expect(m.state.peak).toBeLessThan(BOUND)
    expect(stats.maxPending).toBeLessThanOrEqual(4 * CHUNK)
  })
})

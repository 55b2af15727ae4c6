/** Client disconnects (SPEC.md §5.7) and response backpressure (§5.4.6). */
import { connect } from 'node:net'
import { ErrorCode } from '../../errors.ts'
import type { Case } from '../types.ts'
import { get } from '../wire.ts'
import { WireConnection } from '../wire-connection.ts'
import { disconnectH2 } from './disconnect-h2.ts'
import { withH2Forms } from './h2-util.ts'
import { expectThat, raw, recorded, sampleUntilStill, token } from './util.ts'

const cases: Case[] = [
  {
    id: 'disconnect.mid-request',
    title: 'a client leaving mid-body: the pending receive() yields http.disconnect',
    spec: '§5.7.1',
    app: 'main',
    async run(ctx) {
      const t = token()
      const c = await WireConnection.open(ctx.port, ctx.host)
      await c.write(`POST /echo-body?t=${t} HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc`)
      await recorded(ctx, t, (x) => x.arrived === true)
      c.destroy()
      const r = await recorded(ctx, t, (x) => x.disconnected === true)
      expectThat(
        r.disconnected === true,
        '3 of 100 body bytes, then close',
        JSON.stringify(r),
        'receive() → http.disconnect',
      )
    },
  },
  {
    id: 'disconnect.send-rejects',
    title: 'after the client left, send() rejects with ClientDisconnectedError',
    spec: '§5.7.2',
    app: 'main',
    async run(ctx) {
      const t = token()
      const c = await WireConnection.open(ctx.port, ctx.host)
      await c.write(`GET /wait-disconnect?t=${t} HTTP/1.1\r\nHost: h\r\n\r\n`)
      await recorded(ctx, t, (x) => x.waiting === true)
      c.destroy()
      const r = await recorded(ctx, t, (x) => x.sendAfter !== undefined)
      expectThat(
        r.event === 'http.disconnect' && r.sendAfter === ErrorCode.clientDisconnected,
        'a request, then close without waiting',
        JSON.stringify(r),
        `receive() → http.disconnect, then send() → ${ErrorCode.clientDisconnected}`,
      )
    },
  },
  {
    id: 'disconnect.mid-stream',
    title: 'a client leaving mid-stream: send() rejects, receive() yields http.disconnect',
    spec: '§5.7.2',
    app: 'main',
    async run(ctx) {
      const t = token()
      await raw(ctx, `GET /stream-forever?t=${t} HTTP/1.1\r\nHost: h\r\n\r\n`, {
        until: (b) => b.length > 100_000,
      })
      const r = await recorded(ctx, t, (x) => x.next !== undefined)
      expectThat(
        r.rejected === ErrorCode.clientDisconnected && r.next === 'http.disconnect',
        'read 100 kB of an endless stream, then close',
        JSON.stringify(r),
        `send() → ${ErrorCode.clientDisconnected}, then receive() → http.disconnect`,
      )
    },
  },
  {
    id: 'disconnect.receive-after-complete',
    title: 'after the response completed, receive() yields http.disconnect every time',
    spec: '§5.3.5',
    app: 'main',
    async run(ctx) {
      const t = token()
      await raw(ctx, get(`/receive-after?t=${t}`))
      const r = await recorded(ctx, t, (x) => x.events !== undefined)
      expectThat(
        JSON.stringify(r.events) === '["http.disconnect","http.disconnect"]',
        'a complete response, then receive() twice',
        JSON.stringify(r.events),
        'http.disconnect, http.disconnect',
      )
    },
  },
  {
    id: 'disconnect.response-backpressure',
    title: 'send() waits while the client does not read (no unbounded buffering)',
    spec: '§5.4.6',
    app: 'main',
    async run(ctx) {
      const t = token()
      const socket = connect(ctx.port, ctx.host)
      socket.on('error', () => {})
      await new Promise((r) => socket.once('connect', r))
      socket.pause()
      socket.write(`GET /stream-forever?t=${t} HTTP/1.1\r\nHost: h\r\n\r\n`)
      // The app counts its resolved sends: sampled until the count stops moving for 1 s, or
      // passes the bound (the app stops at 4096 by itself).
      const { value: sent } = await sampleUntilStill(
        async () => Number((await recorded(ctx, t)).sent ?? 0),
        512,
        true,
      )
      socket.destroy()
      expectThat(
        sent > 0 && sent < 512,
        'an endless 64 KiB stream to a client that never reads',
        `${sent} sends resolved (${sent * 64} KiB)`,
        'send() to stop resolving after a bounded amount (well under 32 MiB)',
      )
    },
  },
]

/** The disconnect cases, each with its HTTP/2 form (disconnect-h2.ts). */
export const disconnectCases: Case[] = withH2Forms(cases, disconnectH2)

/** Keep-alive and pipelining (SPEC.md §5.8.1). */
import type { Case } from '../types.ts'
import { WireConnection } from '../wire-connection.ts'
import { describeResponses, expectThat, header, parseOrFail, raw } from './util.ts'

const req = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`

export const keepAliveCases: Case[] = [
  {
    id: 'keepalive.reuse',
    title: 'a second request on an answered HTTP/1.1 connection is answered on it too',
    spec: '§5.8.1',
    app: 'main',
    async run(ctx) {
      const c = await WireConnection.open(ctx.port, ctx.host)
      try {
        await c.write(req('/length/1'))
        const [first] = await c.response(1)
        const openAfterFirst = !c.closed && header(first, 'connection') !== 'close'
        await c.write(req('/length/2'))
        await c.response(2)
        const responses = parseOrFail(c.data, 'two requests, the second after the first answer')
        expectThat(
          openAfterFirst && responses.length === 2 && responses[1]?.body.toString() === 'xx',
          'GET /length/1, then (once answered) GET /length/2 on the same connection',
          `${describeResponses(responses, c.data.toString('latin1'))}; open after the first: ${openAfterFirst}`,
          'two answers on one connection, the first without connection: close',
        )
      } finally {
        c.destroy()
      }
    },
  },
  {
    id: 'keepalive.pipelining-order',
    title: 'pipelined requests are answered in order, even when the first is slower',
    spec: '§5.8.1',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(
        ctx,
        req('/sleep/200') + req('/sleep/0') + req('/length/1', 'Connection: close\r\n'),
        { timeout: 15_000 },
      )
      const bodies = responses.map((r) => r.body.toString())
      expectThat(
        JSON.stringify(bodies) === '["slept 200","slept 0","x"]',
        'three pipelined requests, the first slow',
        describeResponses(responses, text),
        'answers in request order',
      )
    },
  },
  {
    id: 'keepalive.connection-close',
    title: 'Connection: close is honoured: one response, then close',
    spec: '§5.8.1',
    app: 'main',
    async run(ctx) {
      const { responses, text, closed } = await raw(
        ctx,
        req('/length/1', 'Connection: close\r\n') + req('/length/2'),
        { timeout: 10_000 },
      )
      expectThat(
        responses.length === 1 && closed,
        'Connection: close, with a second request pipelined',
        `${describeResponses(responses, text)}; closed: ${closed}`,
        'exactly one response, then the connection closed',
      )
    },
  },
  {
    id: 'keepalive.http-1.0-closes',
    title: 'HTTP/1.0 without keep-alive closes after the response',
    spec: '§5.8.1',
    app: 'main',
    async run(ctx) {
      const { responses, closed } = await raw(ctx, 'GET /length/1 HTTP/1.0\r\n\r\n', {
        timeout: 10_000,
      })
      expectThat(
        responses.length === 1 && closed,
        'GET HTTP/1.0',
        `closed: ${closed}`,
        'the connection closed after the response',
      )
    },
  },
]

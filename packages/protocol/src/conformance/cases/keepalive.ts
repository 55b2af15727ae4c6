/** Keep-alive and pipelining (SPEC.md §5.8). */
import type { Case } from '../types.ts'
import { describeResponses, expectThat, raw } from './util.ts'

const req = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`

export const keepAliveCases: Case[] = [
  {
    id: 'keepalive.reuse',
    title: 'two requests on one HTTP/1.1 connection are both answered; it stays open',
    spec: '§5.8',
    app: 'main',
    async run(ctx) {
      const { responses, text, closed } = await raw(ctx, [req('/length/1'), req('/length/2')], {
        delay: 100,
        timeout: 800,
      })
      expectThat(
        responses.length === 2 && responses[1]?.body.toString() === 'xx' && !closed,
        'two requests, 100 ms apart',
        `${describeResponses(responses, text)}; closed: ${closed}`,
        'two answers and the connection still open',
      )
    },
  },
  {
    id: 'keepalive.pipelining-order',
    title: 'pipelined requests are answered in order, even when the first is slower',
    spec: '§5.8',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(
        ctx,
        req('/sleep/200') + req('/sleep/0') + req('/length/1', 'Connection: close\r\n'),
        { timeout: 3000 },
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
    spec: '§5.8',
    app: 'main',
    async run(ctx) {
      const { responses, text, closed } = await raw(
        ctx,
        req('/length/1', 'Connection: close\r\n') + req('/length/2'),
        { timeout: 1500 },
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
    spec: '§5.8',
    app: 'main',
    async run(ctx) {
      const { responses, closed } = await raw(ctx, 'GET /length/1 HTTP/1.0\r\n\r\n', {
        timeout: 1500,
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

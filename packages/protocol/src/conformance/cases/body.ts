/** Request bodies (SPEC.md §5.3). */
import { connect } from 'node:net'
import type { Case, CaseContext } from '../types.ts'
import { h2BackpressureAccepted, h2Expect } from './body-h2.ts'
import { describeStream, type H2RequestOptions, h2 } from './h2-util.ts'
import {
  describeResponses,
  expectThat,
  fetchText,
  raw,
  recorded,
  sampleUntilStill,
  token,
} from './util.ts'

type Echo = { length: number; events: number; moreBody: boolean[]; text: string }

/**
 * What `/echo-body` saw of `request` (HTTP/1.1 bytes), or under HTTP/2 of the same body sent
 * as `h2` says (DATA frames).
 */
async function echo(
  ctx: CaseContext,
  request: string | Buffer | Array<string | Buffer>,
  h2Request: H2RequestOptions = {},
) {
  if (ctx.h2) {
    const r = await h2(ctx, '/echo-body', h2Request)
    try {
      return JSON.parse(r.body.toString('utf8')) as Echo
    } catch {
      throw new Error(`got ${describeStream(r)}`)
    }
  }
  const { responses, text } = await raw(ctx, request, { timeout: 10_000 })
  const body = responses[0]?.body.toString('utf8') ?? ''
  try {
    return JSON.parse(body) as Echo
  } catch {
    throw new Error(`got ${describeResponses(responses, text)}`)
  }
}

const post = (headers: string, body: string | Buffer = '') =>
  Buffer.concat([
    Buffer.from(`POST /echo-body HTTP/1.1\r\nHost: h\r\nConnection: close\r\n${headers}\r\n`),
    Buffer.from(body),
  ])

export const bodyCases: Case[] = [
  {
    id: 'body.none',
    title: 'no body: one http.request with an empty body and moreBody false',
    spec: '§5.3.1',
    app: 'main',
    http2: 'same',
    async run(ctx) {
      const e = await echo(ctx, 'GET /echo-body HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
      expectThat(
        e.length === 0 && JSON.stringify(e.moreBody) === '[false]',
        'GET without a body',
        JSON.stringify(e),
        '{ length: 0, moreBody: [false] }',
      )
    },
  },
  {
    id: 'body.content-length',
    title: 'a Content-Length body arrives exactly, the last event says moreBody false',
    spec: '§5.3.1',
    app: 'main',
    http2: 'same',
    async run(ctx) {
      const e = await echo(ctx, post('Content-Length: 11\r\n', 'hello world'), {
        method: 'POST',
        headers: [['content-length', '11']],
        body: ['hello world'],
      })
      expectThat(
        e.text === 'hello world' && e.moreBody.at(-1) === false,
        'POST with Content-Length: 11',
        JSON.stringify(e),
        'text "hello world", last moreBody false',
      )
    },
  },
  {
    id: 'body.zero-length',
    title: 'Content-Length: 0 reads as an empty body, without waiting',
    spec: '§5.3.1',
    app: 'main',
    http2: 'same',
    async run(ctx) {
      // Over HTTP/2: the head says 0, then an empty DATA frame ends the stream.
      const e = await echo(ctx, post('Content-Length: 0\r\n'), {
        method: 'POST',
        headers: [['content-length', '0']],
        body: [''],
      })
      expectThat(
        e.length === 0 && e.moreBody.at(-1) === false,
        'POST with Content-Length: 0',
        JSON.stringify(e),
        'length 0, moreBody false',
      )
    },
  },
  {
    id: 'body.chunked',
    title: 'a chunked body is de-chunked',
    spec: '§5.3.1',
    app: 'main',
    async run(ctx) {
      const e = await echo(
        ctx,
        post('Transfer-Encoding: chunked\r\n', '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'),
      )
      expectThat(
        e.text === 'hello world',
        'chunks "hello", " world"',
        JSON.stringify(e.text),
        '"hello world"',
      )
    },
  },
  {
    id: 'body.chunked-in-pieces',
    title: 'a chunked body sent in pieces arrives whole',
    spec: '§5.3.1',
    app: 'main',
    async run(ctx) {
      const e = await echo(ctx, [
        post('Transfer-Encoding: chunked\r\n', '3\r\nabc\r\n'),
        '3\r\ndef\r\n',
        '3\r\nghi\r\n',
        '0\r\n\r\n',
      ])
      expectThat(
        e.text === 'abcdefghi' && e.moreBody.at(-1) === false,
        'four pieces, each written once the previous one left',
        JSON.stringify(e),
        'text "abcdefghi", last moreBody false',
      )
    },
  },
  {
    id: 'body.large',
    title: 'a 4 MiB body arrives whole, in several events',
    spec: '§5.3.1',
    app: 'main',
    http2: 'same',
    async run(ctx) {
      const size = 4 * 1024 * 1024
      const e = await echo(ctx, post(`Content-Length: ${size}\r\n`, Buffer.alloc(size, 97)), {
        method: 'POST',
        headers: [['content-length', String(size)]],
        body: [Buffer.alloc(size, 97)],
      })
      expectThat(
        e.length === size && e.events > 1,
        `POST of ${size} bytes`,
        `length ${e.length} in ${e.events} events`,
        `length ${size}, more than one event`,
      )
    },
  },
  {
    id: 'body.100-continue',
    title: 'Expect: 100-continue is answered when the app reads',
    spec: '§5.3.3',
    app: 'main',
    http2: 'same',
    async run(ctx) {
      if (ctx.h2) {
        const r = await h2Expect(ctx, '/echo-body')
        expectThat(
          r.continued && r.result.informational[0] === 100 && r.result.status === 200,
          'HEADERS with expect: 100-continue and content-length: 2, no DATA yet',
          `${r.continued ? '100 before the body' : 'no 100 within 2 s'}; then ${describeStream(r.result)}`,
          'a 100 head before the body is sent, then the 200',
        )
        return
      }
      const { text } = await raw(
        ctx,
        'POST /echo-body HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
        { timeout: 2000, until: (b) => b.includes('100 Continue') },
      )
      expectThat(
        /^HTTP\/1\.1 100 Continue\r\n/.test(text),
        'headers with Expect: 100-continue, no body yet',
        JSON.stringify(text.slice(0, 80)),
        'HTTP/1.1 100 Continue before the body is sent',
      )
    },
  },
  {
    id: 'body.no-100-without-receive',
    title: 'no 100 Continue when the app answers without reading',
    spec: '§5.3.3',
    app: 'main',
    http2: 'same',
    async run(ctx) {
      if (ctx.h2) {
        const { result: r } = await h2Expect(ctx, '/no-read')
        expectThat(
          r.status === 200 && r.informational.length === 0,
          'expect: 100-continue to an app that does not read (HTTP/2)',
          `${describeStream(r)}; 1xx heads: ${JSON.stringify(r.informational)}`,
          'a 200 with no 100 head before it',
        )
        return
      }
      const { responses, text } = await raw(
        ctx,
        'POST /no-read HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
        { timeout: 2000 },
      )
      expectThat(
        responses[0]?.status === 200 && !text.includes('100 Continue'),
        'Expect: 100-continue to an app that does not read',
        describeResponses(responses, text),
        'a 200 with no 100 Continue before it',
      )
    },
  },
  {
    id: 'body.backpressure',
    title: 'an app that stops reading stops the server reading: the client cannot push 32 MiB',
    spec: '§5.3.2',
    app: 'main',
    http2: 'same',
    async run(ctx) {
      const t = token()
      const size = 32 * 1024 * 1024
      if (ctx.h2) {
        const { accepted, stopped } = await h2BackpressureAccepted(ctx, t, size)
        expectThat(
          accepted < 24 * 1024 * 1024,
          '32 MiB in DATA frames to an app that read one body event and waits',
          `${accepted} bytes taken by the server (${stopped ? 'then it stopped' : 'still going'})`,
          'the server to stop reading (flow control: well under 24 MiB taken)',
        )
        return
      }
      const socket = connect(ctx.port, ctx.host)
      socket.on('error', () => {})
      await new Promise((r) => socket.once('connect', r))
      // The app takes one body event, then reads no more until /release.
      socket.write(`POST /read-one?t=${t} HTTP/1.1\r\nHost: h\r\nContent-Length: ${size}\r\n\r\n`)
      const chunk = Buffer.alloc(64 * 1024)
      for (let sent = 0; sent < size; sent += chunk.length) socket.write(chunk)
      await recorded(ctx, t, (x) => x.first === true)
      // What left the client (into the kernel or beyond), sampled until it stops growing.
      const taken = () => socket.bytesWritten - socket.writableLength
      const { stopped } = await sampleUntilStill(taken, size)
      const accepted = taken()
      socket.destroy()
      await fetchText(ctx, `/release?t=${t}`)
      expectThat(
        accepted < 24 * 1024 * 1024,
        '32 MiB to an app that read one body event and waits',
        `${accepted} bytes left the client (${stopped ? 'then it stopped' : 'still going'})`,
        'the server to stop reading (well under 24 MiB taken)',
      )
    },
  },
]

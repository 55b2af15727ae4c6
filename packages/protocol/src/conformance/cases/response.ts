/** Responses (SPEC.md §5.4, §7.1, §7.2). */
import type { Case } from '../types.ts'
import { get } from '../wire.ts'
import { withH2Forms } from './h2-util.ts'
import { responseH2 } from './response-h2.ts'
import {
  describeResponses,
  expectHeadersOrder,
  expectThat,
  fetchJSON,
  header,
  raw,
} from './util.ts'

const cases: Case[] = [
  {
    id: 'response.content-length',
    title: 'a single-body response gets a Content-Length',
    spec: '§5.4.3',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/length/5'))
      const r = responses[0]
      expectThat(
        r?.status === 200 &&
          header(r, 'content-length') === '5' &&
          r.body.toString() === 'xxxxx' &&
          !r.chunked,
        'GET /length/5',
        describeResponses(responses, text),
        '200 with content-length: 5 and body "xxxxx"',
      )
    },
  },
  {
    id: 'response.chunked-stream',
    title: 'a streamed response is chunked, all chunks in order, one terminator',
    spec: '§5.4.3',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/chunks/50'))
      const r = responses[0]
      const expected = Array.from({ length: 50 }, (_, i) => `chunk ${i + 1}\n`).join('')
      const terminators = text.split('\r\n0\r\n\r\n').length - 1
      expectThat(
        r?.chunked === true && r.body.toString() === expected && terminators === 1,
        'GET /chunks/50',
        describeResponses(responses, text),
        'chunked body with 50 chunks and exactly one terminating chunk',
      )
    },
  },
  {
    id: 'response.back-to-back-sends',
    title: 'sends called without waiting for each other take effect in call order',
    spec: '§2.7',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/back-to-back'))
      const r = responses[0]
      expectThat(
        r?.status === 200 && header(r, 'content-length') === '6' && r.body.toString() === 'abcdef',
        'GET /back-to-back (start and three body parts sent before one send() settled)',
        describeResponses(responses, text),
        '200 with content-length: 6 and body "abcdef"',
      )
    },
  },
  {
    id: 'response.length-in-parts',
    title: 'a declared length sent in parts keeps its Content-Length',
    spec: '§5.4.4',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/parts'))
      const r = responses[0]
      expectThat(
        header(r, 'content-length') === '6' && r?.body.toString() === 'abcdef',
        'GET /parts',
        describeResponses(responses, text),
        'content-length: 6, body "abcdef"',
      )
    },
  },
  {
    id: 'response.head',
    title: 'HEAD keeps the length a GET would have and sends no body',
    spec: '§5.4.5',
    app: 'main',
    async run(ctx) {
      const req = 'HEAD /length/5 HTTP/1.1\r\nHost: h\r\n\r\n' + get('/length/3')
      const { responses, text } = await raw(ctx, req, { head: [true, false] })
      expectThat(
        responses.length === 2 &&
          header(responses[0], 'content-length') === '5' &&
          responses[1]?.body.toString() === 'xxx',
        'HEAD /length/5 then GET /length/3 on one connection',
        describeResponses(responses, text),
        'a HEAD response with content-length 5 and no body bytes, then the GET answer intact',
      )
    },
  },
  {
    id: 'response.head-streamed',
    title: 'HEAD of a streamed response sends no body, not even a terminating chunk',
    spec: '§5.4.5',
    app: 'main',
    async run(ctx) {
      const req = `HEAD /chunks/3 HTTP/1.1\r\nHost: h\r\n\r\n${get('/length/3')}`
      const { responses, text } = await raw(ctx, req, { head: [true, false] })
      expectThat(
        responses.length === 2 &&
          responses[0]?.status === 200 &&
          responses[1]?.body.toString() === 'xxx',
        'HEAD /chunks/3 (three body events) then GET /length/3 on one connection',
        describeResponses(responses, text),
        'a HEAD response without body bytes, then the GET answer right after it',
      )
    },
  },
  ...[204, 304].map(
    (status): Case => ({
      id: `response.${status}-no-body`,
      title: `${status} carries no body, even if the app sends one`,
      spec: '§5.4.5',
      app: 'main',
      async run(ctx) {
        const req = `GET /status/${status} HTTP/1.1\r\nHost: h\r\n\r\n${get('/length/2')}`
        const { responses, text } = await raw(ctx, req)
        expectThat(
          responses.length === 2 &&
            responses[0]?.status === status &&
            responses[0].body.length === 0 &&
            responses[1]?.body.toString() === 'xx',
          `GET /status/${status} then GET /length/2`,
          describeResponses(responses, text),
          `${status} without body bytes, then the next response intact`,
        )
      },
    }),
  ),
  {
    id: 'response.headers-order',
    title: 'response headers keep their order and duplicates',
    spec: '§5.4.2',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/headers'))
      expectHeadersOrder(responses[0]?.headers ?? [], describeResponses(responses, text))
    },
  },
  {
    id: 'response.app-transfer-encoding-ignored',
    title: "the app's Transfer-Encoding is ignored: the server frames the body",
    spec: '§5.4.3',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/te'))
      const r = responses[0]
      expectThat(
        !/gzip/i.test(header(r, 'transfer-encoding') ?? '') &&
          r?.body.toString() === 'framed by the server',
        'GET /te (app sends transfer-encoding: gzip)',
        describeResponses(responses, text),
        'no gzip transfer-encoding, body readable as sent',
      )
    },
  },
  {
    id: 'response.http-1.0',
    title: 'over HTTP/1.0 a streamed body is close-delimited, not chunked',
    spec: '§5.4.3',
    app: 'main',
    async run(ctx) {
      const { responses, text, closed } = await raw(ctx, 'GET /chunks/3 HTTP/1.0\r\n\r\n')
      const r = responses[0]
      expectThat(
        r !== undefined &&
          !r.chunked &&
          r.body.toString() === 'chunk 1\nchunk 2\nchunk 3\n' &&
          closed,
        'GET /chunks/3 HTTP/1.0',
        describeResponses(responses, text),
        'the three chunks as plain bytes, then the connection closed',
      )
    },
  },
  {
    id: 'response.trailers',
    title: 'trailers are sent after the body when the request has TE: trailers',
    spec: '§7.1',
    app: 'main',
    needs: ['trailers'],
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/trailers', 'h', 'TE: trailers\r\n'))
      const r = responses[0]
      expectThat(
        r?.chunked === true &&
          r.body.toString() === 'with trailers' &&
          r.trailers.some(([n, v]) => n === 'x-checksum' && v === 'abc'),
        'GET /trailers with TE: trailers',
        describeResponses(responses, text),
        'a chunked body followed by the trailer x-checksum: abc',
      )
    },
  },
  {
    id: 'response.trailers-without-te',
    title: 'trailers are dropped without TE: trailers',
    spec: '§7.1',
    app: 'main',
    needs: ['trailers'],
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/trailers'))
      const r = responses[0]
      expectThat(
        r?.body.toString() === 'with trailers' && !text.includes('x-checksum'),
        'GET /trailers without TE',
        describeResponses(responses, text),
        'the body, and no x-checksum anywhere',
      )
    },
  },
  {
    id: 'response.pathsend',
    title: 'pathsend streams the file with a Content-Length from its size',
    spec: '§7.2',
    app: 'main',
    needs: ['pathsend'],
    async run(ctx) {
      const { size } = await fetchJSON<{ size: number }>(ctx, '/self-size')
      const { responses, text } = await raw(ctx, get('/pathsend'))
      const r = responses[0]
      expectThat(
        r?.status === 200 && header(r, 'content-length') === String(size) && r.body.length === size,
        'GET /pathsend',
        describeResponses(responses, text),
        `200 with content-length ${size} and the whole file`,
      )
    },
  },
  {
    id: 'response.pathsend-head',
    title: 'pathsend on HEAD sends the length and no body',
    spec: '§7.2',
    app: 'main',
    needs: ['pathsend'],
    async run(ctx) {
      const { size } = await fetchJSON<{ size: number }>(ctx, '/self-size')
      const { responses, text } = await raw(
        ctx,
        `HEAD /pathsend HTTP/1.1\r\nHost: h\r\n\r\n${get('/length/1')}`,
        { head: [true, false] },
      )
      expectThat(
        header(responses[0], 'content-length') === String(size) &&
          responses[1]?.body.toString() === 'x',
        'HEAD /pathsend then GET /length/1',
        describeResponses(responses, text),
        `content-length ${size}, no body, next response intact`,
      )
    },
  },
]

/** The response cases; each but the HTTP/1.1-only ones with its HTTP/2 form (response-h2.ts). */
export const responseCases: Case[] = withH2Forms(cases, responseH2)

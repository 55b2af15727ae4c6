/**
 * HTTP/2 cases (`--http2`, transport h2c): the SPEC.md rules whose HTTP/1.1 cases check the
 * wire bytes, checked again on HTTP/2 streams, where the wire is frames — a stream that ends,
 * or is reset, instead of a connection that closes. Each also checks that the session keeps
 * serving: an HTTP/2 server answers a failing stream on that stream only.
 */
import { constants } from 'node:http2'
import { ErrorCode } from '../../errors.ts'
import { validateScope } from '../../validate-incoming.ts'
import type { Case } from '../types.ts'
import {
  authorityOf,
  describeStream as describe,
  h2,
  isolated,
  open,
  sessionServes,
} from './h2-util.ts'
import { expectThat, recorded, token } from './util.ts'

const h2Case = (c: Omit<Case, 'app' | 'http2'>): Case => ({ ...c, app: 'main', http2: 'h2-only' })

export const http2Cases: Case[] = [
  h2Case({
    id: 'h2.scope',
    title: 'an HTTP/2 request: httpVersion "2", no pseudo-headers, host first from :authority',
    spec: '§5.10.1',
    async run(ctx) {
      const r = await h2(ctx, '/scope?v=2')
      const scope = JSON.parse(r.body.toString() || '{}') as Record<string, unknown>
      const headers = (scope.headers ?? []) as Array<[string, string]>
      const { bodyLength: _, ...rest } = scope
      const error = validateScope({ ...rest, state: {} })
      const authority = authorityOf(ctx.url)
      expectThat(
        scope.httpVersion === '2' &&
          headers.every(([k]) => !k.startsWith(':')) &&
          headers[0]?.[0] === 'host' &&
          headers[0][1] === authority &&
          headers.filter(([k]) => k === 'host').length === 1 &&
          error === undefined,
        `GET /scope?v=2 over h2c, :authority ${authority}`,
        `httpVersion ${JSON.stringify(scope.httpVersion)}, headers ${JSON.stringify(headers)}${error ? `, ${error.message}` : ''}`,
        `httpVersion "2", headers starting with ["host", "${authority}"], no ":" names, a valid scope`,
      )
    },
  }),
  h2Case({
    id: 'h2.body-echo',
    title: 'a request body sent in DATA frames reaches the app whole, in order',
    spec: '§5.3.1',
    async run(ctx) {
      const parts = ['first,', 'second,', 'third']
      const r = await h2(ctx, '/echo-body', { method: 'POST', body: parts })
      const echo = JSON.parse(r.body.toString() || '{}') as { text?: string; moreBody?: boolean[] }
      expectThat(
        r.status === 200 && echo.text === parts.join('') && echo.moreBody?.at(-1) === false,
        'POST /echo-body, the body in three writes',
        describe(r),
        `200 echoing ${JSON.stringify(parts.join(''))}, the last event moreBody: false`,
      )
    },
  }),
  h2Case({
    id: 'h2.streaming',
    title: 'a streamed response arrives whole and the stream ends normally',
    spec: '§5.4.3',
    async run(ctx) {
      const r = await h2(ctx, '/chunks/3')
      expectThat(
        r.status === 200 &&
          r.body.toString() === 'chunk 1\nchunk 2\nchunk 3\n' &&
          r.rstCode === 0 &&
          r.headers['transfer-encoding'] === undefined,
        'GET /chunks/3 (three body events)',
        describe(r),
        'the three chunks, no transfer-encoding, the stream ended with END_STREAM',
      )
    },
  }),
  h2Case({
    id: 'h2.throw-before-start',
    title: 'an app that throws before the response: 500 on that stream, the session serves on',
    spec: '§5.6',
    async run(ctx) {
      const r = await h2(ctx, '/throw-before')
      expectThat(r.status === 500, 'GET /throw-before', describe(r), 'a 500')
      await sessionServes(ctx, 'GET /throw-before')
    },
  }),
  h2Case({
    id: 'h2.reset-after-start',
    title: 'an app failing after the start resets its stream only; the session serves on',
    spec: '§5.10.3',
    async run(ctx) {
      const r = await h2(ctx, '/throw-after')
      expectThat(
        r.status === 200 &&
          r.body.toString() === 'partial' &&
          r.rstCode === constants.NGHTTP2_INTERNAL_ERROR,
        'GET /throw-after (content-length 100, "partial", then a throw)',
        describe(r),
        `200, "partial", then RST_STREAM INTERNAL_ERROR (${constants.NGHTTP2_INTERNAL_ERROR})`,
      )
      await sessionServes(ctx, 'GET /throw-after')
    },
  }),
  h2Case({
    id: 'h2.over-content-length',
    title: 'a body past content-length: ContentLengthError, no byte of it sent',
    spec: '§5.4.4',
    async run(ctx) {
      const t = token()
      const r = await h2(ctx, `/over-length?t=${t}`)
      const rec = await recorded(ctx, t, (x) => x.code !== undefined)
      expectThat(
        rec.code === ErrorCode.contentLength &&
          // A held start becomes a 500 (§5.4.7); a start already sent leaves an empty 200.
          (r.status === 500 || (r.status === 200 && r.body.length === 0)),
        'content-length: 3, then one body event "abcdef"',
        `${String(rec.code)}; ${describe(r)}`,
        `${ErrorCode.contentLength}, and a 500 or the 200 head with no body byte at all`,
      )
      await sessionServes(ctx, 'GET /over-length')
    },
  }),
  h2Case({
    id: 'h2.short-content-length',
    title: 'a body short of content-length: ContentLengthError, the stream is reset',
    spec: '§5.10.3',
    async run(ctx) {
      const t = token()
      const r = await h2(ctx, `/short-length?t=${t}`)
      const rec = await recorded(ctx, t, (x) => x.code !== undefined)
      expectThat(
        rec.code === ErrorCode.contentLength && r.rstCode !== 0 && r.body.toString() === 'abc',
        'content-length: 10, body "abc"',
        `${String(rec.code)}; ${describe(r)}`,
        `${ErrorCode.contentLength}; "abc", then the stream reset (never ended as complete)`,
      )
      await sessionServes(ctx, 'GET /short-length')
    },
  }),
  ...(
    [
      ['HEAD', '/length/5', 'h2.head', 'HEAD: no DATA, content-length as for GET', '5'],
      ['GET', '/status/204', 'h2.204-no-body', '204: no DATA, no content-length', undefined],
      ['GET', '/status/304', 'h2.304-no-body', '304: no DATA, no content-length', undefined],
    ] as const
  ).map(([method, path, id, title, length]) =>
    h2Case({
      id,
      title,
      spec: '§5.4.5',
      async run(ctx) {
        const r = await h2(ctx, path, { method })
        expectThat(
          r.status === Number(path === '/length/5' ? 200 : path.slice(-3)) &&
            r.body.length === 0 &&
            r.rstCode === 0 &&
            r.headers['content-length'] === length,
          `${method} ${path}`,
          `${describe(r)}, content-length ${String(r.headers['content-length'])}`,
          `no body bytes, content-length ${length ?? 'absent'}, a normal end of stream`,
        )
      },
    }),
  ),
  h2Case({
    id: 'h2.rst-disconnect',
    title: "a client's RST_STREAM is http.disconnect for that stream; another is served",
    spec: '§5.10.3',
    async run(ctx) {
      const t = token()
      const session = await isolated(ctx)
      try {
        const waiting = await open(ctx, `/wait-disconnect?t=${t}`, { session })
        await recorded(ctx, t, (x) => x.waiting === true)
        waiting.stream.close(constants.NGHTTP2_CANCEL)
        const other = await h2(ctx, '/length/1', { session })
        const r = await recorded(ctx, t, (x) => x.sendAfter !== undefined)
        expectThat(
          r.event === 'http.disconnect' &&
            r.sendAfter === ErrorCode.clientDisconnected &&
            other.status === 200 &&
            other.body.toString() === 'x',
          'GET /wait-disconnect, RST_STREAM CANCEL, then GET /length/1 on the same session',
          `${JSON.stringify(r)}; other stream: ${describe(other)}`,
          `receive() → http.disconnect, send() → ${ErrorCode.clientDisconnected}; the other stream 200 "x"`,
        )
      } finally {
        session.destroy()
      }
    },
  }),
]

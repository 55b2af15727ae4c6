/** Application failures and contract violations (SPEC.md §5.5, §5.6). */
import { ErrorCode } from '../../errors.ts'
import type { Case } from '../types.ts'
import { get } from '../wire.ts'
import { errorsH2, h2Violation } from './errors-h2.ts'
import { withH2, withH2Forms } from './h2-util.ts'
import { describeResponses, expectThat, raw, recorded, token } from './util.ts'

const violation = (name: string, code: string, title: string): Case =>
  withH2(violationCase(name, code, title), h2Violation(name, code))

const violationCase = (name: string, code: string, title: string): Case => ({
  id: `errors.${name}`,
  title,
  spec: '§5.5',
  app: 'main',
  async run(ctx) {
    const t = token()
    const { responses, text } = await raw(ctx, get(`/violation/${name}?t=${t}`))
    const r = await recorded(ctx, t, (x) => x.code !== undefined)
    expectThat(
      r.code === code && responses[0]?.status === 500 && !text.includes('x-injected'),
      `GET /violation/${name}`,
      `send() → ${String(r.code)}; wire: ${describeResponses(responses, text)}`,
      `send() rejects with ${code}, the client gets a 500, nothing invalid on the wire`,
    )
  },
})

const cases: Case[] = [
  {
    id: 'errors.throw-before-start',
    title:
      'an app that throws before the response: a 500, then HTTP/1.1 closes the connection (h2: its stream ends, the session serves on)',
    spec: '§5.6',
    app: 'main',
    async run(ctx) {
      const { responses, text, closed } = await raw(
        ctx,
        'GET /throw-before HTTP/1.1\r\nHost: h\r\n\r\n',
      )
      expectThat(
        responses[0]?.status === 500 && closed,
        'GET /throw-before (keep-alive)',
        `${describeResponses(responses, text)}, closed: ${closed}`,
        '500, then the connection closed',
      )
    },
  },
  {
    id: 'errors.throw-after-start',
    title: 'an app that throws mid-body: the response is truncated, never completed',
    spec: '§5.6',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, 'GET /throw-after HTTP/1.1\r\nHost: h\r\n\r\n')
      const r = responses[0]
      expectThat(
        r?.status === 200 && r.truncated && r.body.toString() === 'partial',
        'GET /throw-after (content-length 100, 7 bytes sent)',
        describeResponses(responses, text),
        'a 200 whose body stops at "partial" with the connection cut',
      )
    },
  },
  {
    id: 'errors.throw-after-start-chunked',
    title: 'a chunked response cut by a throw never gets its terminating chunk',
    spec: '§5.6',
    app: 'main',
    async run(ctx) {
      const { text } = await raw(ctx, 'GET /throw-after-chunked HTTP/1.1\r\nHost: h\r\n\r\n')
      expectThat(
        text.includes('partial') && !text.includes('\r\n0\r\n\r\n'),
        'GET /throw-after-chunked',
        JSON.stringify(text.slice(-60)),
        'the partial chunk, and no 0-length terminator',
      )
    },
  },
  {
    id: 'errors.return-without-response',
    title: 'an app that returns without a response: 500',
    spec: '§5.6',
    app: 'main',
    async run(ctx) {
      const { responses, text } = await raw(ctx, get('/return-without'))
      expectThat(
        responses[0]?.status === 500,
        'GET /return-without',
        describeResponses(responses, text),
        '500',
      )
    },
  },
  {
    id: 'errors.return-mid-body',
    title: 'an app that returns mid-body: the response is cut, never completed',
    spec: '§5.6',
    app: 'main',
    async run(ctx) {
      const { text } = await raw(ctx, 'GET /return-mid HTTP/1.1\r\nHost: h\r\n\r\n')
      expectThat(
        text.includes('partial') && !text.includes('\r\n0\r\n\r\n'),
        'GET /return-mid',
        JSON.stringify(text.slice(-60)),
        'the partial body and no terminating chunk',
      )
    },
  },
  violation('body-first', ErrorCode.unexpectedEvent, 'a body before the start is rejected'),
  violation('status-string', ErrorCode.invalidEvent, 'a status given as a string is rejected'),
  violation('status-1xx', ErrorCode.invalidEvent, 'a 1xx status is rejected'),
  violation(
    'header-crlf',
    ErrorCode.invalidEvent,
    'CR/LF in a header value is rejected, never written',
  ),
  violation('header-name', ErrorCode.invalidEvent, 'a header name that is not a token is rejected'),
  violation('unknown', ErrorCode.invalidEvent, 'an unknown event type is rejected'),
  violation('other-scope', ErrorCode.invalidEvent, "another scope type's event is rejected"),
  {
    id: 'errors.second-start',
    title: 'a second http.response.start is rejected',
    spec: '§5.5',
    app: 'main',
    async run(ctx) {
      const t = token()
      await raw(ctx, get(`/second-start?t=${t}`))
      const r = await recorded(ctx, t, (x) => x.code !== undefined)
      expectThat(
        r.code === ErrorCode.unexpectedEvent,
        'start, start',
        String(r.code),
        ErrorCode.unexpectedEvent,
      )
    },
  },
  {
    id: 'errors.after-complete',
    title: 'an event after the response completed is rejected; the response stands',
    spec: '§5.5',
    app: 'main',
    async run(ctx) {
      const t = token()
      const { responses, text } = await raw(ctx, get(`/after-complete?t=${t}`))
      const r = await recorded(ctx, t, (x) => x.code !== undefined)
      expectThat(
        r.code === ErrorCode.unexpectedEvent &&
          responses[0]?.body.toString() === 'done' &&
          !text.includes('more'),
        'a complete response, then one more body',
        `${String(r.code)}; ${describeResponses(responses, text)}`,
        `${ErrorCode.unexpectedEvent}, and the response "done" intact`,
      )
    },
  },
  {
    id: 'errors.over-content-length',
    title: 'an event passing Content-Length is rejected; none of its bytes is written',
    spec: '§5.4.4',
    app: 'main',
    async run(ctx) {
      const t = token()
      const { responses, text } = await raw(ctx, get(`/over-length?t=${t}`))
      const r = await recorded(ctx, t, (x) => x.code !== undefined)
      const res = responses[0]
      // Either the held start became a 500 (§5.6), or the start went out and the connection
      // was cut with none of the rejected "abcdef" — not even the 3 bytes that would fit.
      const clean =
        responses.length === 1 &&
        (res?.status === 500 || (res?.status === 200 && res.body.length === 0 && res.truncated))
      expectThat(
        r.code === ErrorCode.contentLength && clean,
        'content-length: 3, then one body event "abcdef"',
        `${String(r.code)}; wire: ${describeResponses(responses, text)} ${JSON.stringify(text.slice(-40))}`,
        `${ErrorCode.contentLength}, and a 500 or the 200 head with no body byte at all`,
      )
    },
  },
  {
    id: 'errors.short-content-length',
    title:
      'fewer bytes than Content-Length: rejected, and the client sees the response short (HTTP/1.1: the connection closes; h2: the stream is reset)',
    spec: '§5.4.4',
    app: 'main',
    async run(ctx) {
      const t = token()
      const { text, closed } = await raw(
        ctx,
        `GET /short-length?t=${t} HTTP/1.1\r\nHost: h\r\n\r\n`,
      )
      const r = await recorded(ctx, t, (x) => x.code !== undefined)
      expectThat(
        r.code === ErrorCode.contentLength && closed,
        'content-length: 10, body "abc" (keep-alive)',
        `${String(r.code)}; closed: ${closed}; ${JSON.stringify(text.slice(-20))}`,
        `${ErrorCode.contentLength}, then the connection closed`,
      )
    },
  },
]

/** The error cases, each with its HTTP/2 form (errors-h2.ts). */
export const errorCases: Case[] = withH2Forms(cases, errorsH2)

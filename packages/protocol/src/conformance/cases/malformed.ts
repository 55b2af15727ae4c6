/** Malformed request heads, smuggling attempts and limits (SPEC.md §5.8). */
import type { Case, Level } from '../types.ts'
import { get } from '../wire.ts'
import { WireConnection } from '../wire-connection.ts'
import { withH2Forms } from './h2-util.ts'
import { malformedH2 } from './malformed-h2.ts'
import { answered, describeResponses, expectThat, fetchText, raw, stillServing } from './util.ts'

/** Options of {@link refused}. */
export interface Refusal {
  /** The statuses that conform (default 400). */
  statuses?: number[]
  /** The connection must close after the answer (the framing cannot be trusted). */
  close?: boolean
  level?: Level
}

/**
 * A request the server must answer with one of `statuses` before the application runs
 * (nothing smuggled behind it), optionally closing the connection; the server keeps serving.
 */
export function refused(
  id: string,
  title: string,
  spec: string,
  request: string,
  { statuses = [400], close = false, level }: Refusal = {},
): Case {
  return {
    id,
    title,
    spec,
    level,
    app: 'main',
    async run(ctx) {
      // Read until the close when it is required, else until one answer is complete.
      const until = close ? undefined : answered
      const { responses, text, closed } = await raw(ctx, request, { timeout: 10_000, until })
      const smuggled = text.includes('smuggled')
      const ok =
        responses.length === 1 &&
        statuses.includes(responses[0]!.status) &&
        !smuggled &&
        (!close || closed)
      expectThat(
        ok,
        JSON.stringify(request.length > 160 ? `${request.slice(0, 120)}…` : request),
        `${describeResponses(responses, text)}${close ? `; closed: ${closed}` : ''}`,
        `one ${statuses.join(' or ')}${close ? ', then the connection closed' : ''}, nothing smuggled behind it`,
      )
      await stillServing(ctx)
    },
  }
}

const smuggle = 'GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n'
const post = (headers: string, body = '') =>
  `POST /echo-body HTTP/1.1\r\nHost: h\r\n${headers}\r\n${body}`

const cases: Case[] = [
  refused(
    'malformed.request-line',
    'a garbage request line → 400',
    '§5.8.4',
    'HELLO WORLD\r\n\r\n',
  ),
  refused(
    'malformed.bad-version',
    'an unknown HTTP version → 400 or 505',
    '§5.8.4',
    'GET / HTTP/9.9\r\nHost: h\r\n\r\n',
    { statuses: [400, 505] },
  ),
  refused(
    'malformed.http-0.9',
    'an HTTP/0.9 simple request → 400',
    '§5.8.4',
    'GET /length/1\r\n\r\n',
  ),
  refused(
    'malformed.header-without-colon',
    'a header line without a colon → 400',
    '§5.8.4',
    'GET / HTTP/1.1\r\nHost: h\r\nBroken\r\n\r\n',
  ),
  refused(
    'malformed.space-before-colon',
    'whitespace before a header colon → 400',
    '§5.8.4',
    'GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n',
  ),
  refused(
    'malformed.obs-fold',
    'obsolete line folding → 400',
    '§5.8.4',
    'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n',
  ),
  refused(
    'malformed.missing-host',
    'HTTP/1.1 without Host → 400',
    '§5.8.5',
    'GET / HTTP/1.1\r\n\r\n',
  ),
  refused(
    'malformed.duplicate-host',
    'two Host headers → 400',
    '§5.8.5',
    'GET /length/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  ),
  refused(
    'malformed.host-whitespace',
    'a Host with whitespace inside (`bad host`) → 400',
    '§5.8.5',
    'GET /length/1 HTTP/1.1\r\nHost: bad host\r\n\r\n',
  ),
  refused(
    'malformed.host-delimiters',
    'a Host that is not an authority (`a/b@c`) → 400',
    '§5.8.5',
    'GET /length/1 HTTP/1.1\r\nHost: a/b@c\r\n\r\n',
  ),
  refused(
    'malformed.bad-content-length',
    'a non-numeric Content-Length → 400, then close',
    '§5.8.7',
    post('Content-Length: abc\r\n'),
    { close: true },
  ),
  refused(
    'malformed.cl-te-conflict',
    'Content-Length with Transfer-Encoding → 400, then close, no smuggling',
    '§5.8.7',
    post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', `0\r\n\r\n${smuggle}`),
    { close: true },
  ),
  refused(
    'malformed.double-content-length',
    'two different Content-Lengths → 400, then close',
    '§5.8.7',
    post('Content-Length: 3\r\nContent-Length: 40\r\n', `abc${smuggle}`),
    { close: true },
  ),
  refused(
    'malformed.te-not-chunked-last',
    'Transfer-Encoding not ending in chunked → 400, then close',
    '§5.8.7',
    post('Transfer-Encoding: chunked, identity\r\n', `0\r\n\r\n${smuggle}`),
    { close: true },
  ),
  refused(
    'malformed.obfuscated-te',
    'an obfuscated Transfer-Encoding → 400, then close',
    '§5.8.7',
    post('Transfer-Encoding : chunked\r\nContent-Length: 4\r\n', `0\r\n\r\n${smuggle}`),
    { close: true },
  ),
  refused(
    'malformed.header-too-large',
    'a 64 KiB header block → 431',
    '§5.8.10',
    `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(65536)}\r\n\r\n`,
    { statuses: [431] },
  ),
  refused(
    'malformed.target-too-long',
    'a 64 KiB request-target → 414 (not 431: it is the target that is too long)',
    '§5.8.10',
    `GET /${'a'.repeat(65536)} HTTP/1.1\r\nHost: h\r\n\r\n`,
    { statuses: [414], level: 'recommended' },
  ),
  {
    id: 'malformed.slowloris',
    title: 'a client that has not finished its head does not hold up others',
    spec: '§5.8.3',
    app: 'main',
    async run(ctx) {
      // The slow client sends part of its head and never the rest while the other is served.
      const slow = await WireConnection.open(ctx.port, ctx.host)
      try {
        await slow.write('GET /length/1 HTTP/1.1\r\n')
        await slow.write('X-A: 1\r\nX-B: 2\r\n')
        const fast = await fetchText(ctx, '/length/2').catch((e: Error) => ({
          status: 0,
          text: e.message,
        }))
        expectThat(
          fast.text === 'xx',
          'a request while another connection has sent only part of its head',
          `${fast.status} ${fast.text.slice(0, 80)}`,
          '200 "xx", served without waiting for the slow client',
        )
      } finally {
        slow.destroy()
      }
    },
  },
  {
    id: 'malformed.survives',
    title: 'after garbage on one connection, others are served',
    spec: '§5.8.3',
    app: 'main',
    async run(ctx) {
      await raw(ctx, Buffer.from([0, 1, 2, 3, 255, 13, 10, 13, 10]), { timeout: 10_000 })
      const { responses, text } = await raw(ctx, get('/length/3'))
      expectThat(
        responses[0]?.body.toString() === 'xxx',
        'binary garbage, then a normal request',
        describeResponses(responses, text),
        '200 "xxx"',
      )
    },
  },
]

/** The malformed-request cases; two have an HTTP/2 form (malformed-h2.ts). */
export const malformedCases: Case[] = withH2Forms(cases, malformedH2)

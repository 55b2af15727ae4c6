/** Malformed input, smuggling attempts and limits (SPEC.md §5.8, Appendix A). */
import type { Case } from '../types.ts'
import { get } from '../wire.ts'
import { describeResponses, expectThat, fetchText, raw } from './util.ts'

const refused = (name: string, title: string, request: string, statuses = [400]): Case => ({
  id: `malformed.${name}`,
  title,
  spec: '§5.8',
  app: 'main',
  async run(ctx) {
    const { responses, text } = await raw(ctx, request)
    const smuggled = text.includes('no such test path /smuggled') || text.includes('smuggled')
    const ok =
      responses.length > 0 && responses.every((r) => statuses.includes(r.status)) && !smuggled
    expectThat(
      ok,
      JSON.stringify(request.slice(0, 120)),
      describeResponses(responses, text),
      `${statuses.join(' or ')}, and nothing smuggled behind it`,
    )
    // The server keeps serving.
    const after = await fetchText(ctx, '/length/1')
    expectThat(
      after.text === 'x',
      'a normal request after it',
      `${after.status} ${after.text}`,
      '200 "x"',
    )
  },
})

const smuggle = 'GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n'

export const malformedCases: Case[] = [
  refused('request-line', 'a garbage request line → 400', 'HELLO WORLD\r\n\r\n'),
  refused(
    'bad-version',
    'an unknown HTTP version → 400',
    'GET / HTTP/9.9\r\nHost: h\r\n\r\n',
    [400, 505],
  ),
  refused(
    'header-without-colon',
    'a header line without a colon → 400',
    'GET / HTTP/1.1\r\nHost: h\r\nBroken\r\n\r\n',
  ),
  refused(
    'space-before-colon',
    'whitespace before a header colon → 400',
    'GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n',
  ),
  refused(
    'header-too-large',
    'a 64 KiB header block → 431',
    `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(65536)}\r\n\r\n`,
    [431],
  ),
  refused('missing-host', 'HTTP/1.1 without Host → 400', 'GET / HTTP/1.1\r\n\r\n'),
  refused(
    'duplicate-host',
    'two Host headers → 400',
    'GET /length/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  ),
  refused('http-0.9', 'an HTTP/0.9 simple request → 400', 'GET /length/1\r\n\r\n'),
  refused(
    'bad-content-length',
    'a non-numeric Content-Length → 400',
    'POST /echo-body HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n',
  ),
  refused(
    'cl-te-conflict',
    'Content-Length with Transfer-Encoding → 400, no smuggling',
    `POST /echo-body HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggle}`,
  ),
  refused(
    'double-content-length',
    'two different Content-Lengths → 400',
    `POST /echo-body HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc${smuggle}`,
  ),
  refused(
    'te-not-chunked-last',
    'Transfer-Encoding not ending in chunked → 400',
    `POST /echo-body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggle}`,
  ),
  refused(
    'obfuscated-te',
    'an obfuscated Transfer-Encoding → 400',
    `POST /echo-body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggle}`,
  ),
  refused(
    'obs-fold',
    'obsolete line folding → 400',
    'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n',
  ),
  {
    id: 'malformed.slowloris',
    title: 'a client trickling its headers does not block others',
    spec: 'Appendix A',
    app: 'main',
    async run(ctx) {
      // The slow client takes 2 s to send its head; a blocked server would answer after that.
      const slow = raw(
        ctx,
        ['GET /length/1 HTTP/1.1\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n'],
        { delay: 500, timeout: 3000 },
      )
      await new Promise((r) => setTimeout(r, 100))
      const started = Date.now()
      const fast = await fetchText(ctx, '/length/2')
      const took = Date.now() - started
      await slow
      expectThat(
        fast.text === 'xx' && took < 1500,
        'a request while another client trickles headers',
        `${fast.status} after ${took} ms`,
        'served at once',
      )
    },
  },
  {
    id: 'malformed.survives',
    title: 'after garbage on one connection, others are served',
    spec: '§5.8',
    app: 'main',
    async run(ctx) {
      await raw(ctx, Buffer.from([0, 1, 2, 3, 255, 13, 10, 13, 10]))
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

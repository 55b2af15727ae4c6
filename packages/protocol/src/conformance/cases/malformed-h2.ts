/**
 * The HTTP/2 forms of the malformed-request cases whose rule HTTP/2 keeps (SPEC.md §5.8,
 * §5.10.2). The others are about HTTP/1.1 bytes (request lines, header-line syntax, folding,
 * Transfer-Encoding, chunk framing), or their HTTP/2 form is another rule: a missing Host is
 * allowed (`:authority` may stand in), a second Content-Length is refused by node:http2's
 * client before it is sent, and a 64 KiB head or target passes SETTINGS_MAX_HEADER_LIST_SIZE,
 * which is the session's business in HTTP/2, not a 431 or 414 (RFC 9113 §10.5.1).
 *
 * @module
 */
import { constants } from 'node:http2'
import { exchange } from '../wire.ts'
import { describeStream, type H2Form, h2, isolated, sessionServes } from './h2-util.ts'
import { expectThat, recorded, token } from './util.ts'

const forms: Record<string, H2Form> = {
  async 'malformed.bad-content-length'(ctx) {
    const t = token()
    const r = await h2(ctx, `/echo-body?t=${t}`, {
      method: 'POST',
      headers: [['content-length', 'abc']],
      body: ['abc'],
    })
    const rec = await recorded(ctx, t)
    expectThat(
      r.status === undefined && r.rstCode === constants.NGHTTP2_PROTOCOL_ERROR && !rec.arrived,
      'POST with content-length: abc (HTTP/2)',
      `${describeStream(r)}; the app ${rec.arrived ? 'ran' : 'did not run'}`,
      `the stream reset with PROTOCOL_ERROR (${constants.NGHTTP2_PROTOCOL_ERROR}), no response, no app run`,
    )
    await sessionServes(ctx, 'a stream with content-length: abc')
  },
  async 'malformed.survives'(ctx) {
    // Garbage where a connection preface (or a TLS handshake) should be, then a new session.
    await exchange(ctx.port, ctx.host, [Buffer.from([0, 1, 2, 3, 255, 13, 10, 13, 10])], {
      timeout: 10_000,
    })
    const session = await isolated(ctx)
    try {
      const r = await h2(ctx, '/length/3', { session })
      expectThat(
        r.body.toString() === 'xxx',
        'binary garbage on one connection, then a normal request on a new HTTP/2 session',
        describeStream(r),
        '200 "xxx"',
      )
    } finally {
      session.destroy()
    }
  },
}

/** The HTTP/2 form of malformed case `id`, if it has one. */
export const malformedH2 = (id: string): H2Form | undefined => forms[id]

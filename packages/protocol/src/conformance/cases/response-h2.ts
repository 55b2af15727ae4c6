/**
 * The HTTP/2 forms of the response cases (response.ts): the same rules (SPEC.md §5.4, §7.1,
 * §7.2), read on streams. Framing is HTTP/2's there (§5.10.4): a body is DATA frames ended by
 * END_STREAM, never chunked; a bodyless response has no DATA at all; what follows it is the
 * next stream, on the same session.
 *
 * Not here, HTTP/1.1 only: `response.http-1.0` (close-delimited bodies), and
 * `response.trailers-without-te` (over HTTP/2 trailers need no `TE: trailers`, §5.10.6).
 *
 * @module
 */
import { describeStream, field, type H2Form, h2, type StreamResult } from './h2-util.ts'
import { expectHeadersOrder, expectThat, fetchJSON } from './util.ts'

/** A normal end of stream: END_STREAM, no reset. */
const ended = (r: StreamResult) => r.rstCode === 0

/** One request on the shared session, then `next` on it: both results. */
async function thenNext(
  ctx: Parameters<H2Form>[0],
  method: string,
  path: string,
  next: string,
): Promise<[StreamResult, StreamResult]> {
  const first = await h2(ctx, path, { method })
  return [first, await h2(ctx, next)]
}

const forms: Record<string, H2Form> = {
  async 'response.content-length'(ctx) {
    const r = await h2(ctx, '/length/5')
    expectThat(
      r.status === 200 &&
        field(r, 'content-length') === '5' &&
        r.body.toString() === 'xxxxx' &&
        ended(r),
      'GET /length/5',
      `${describeStream(r)}, content-length ${field(r, 'content-length')}`,
      '200 with content-length: 5 and body "xxxxx"',
    )
  },
  async 'response.chunked-stream'(ctx) {
    const r = await h2(ctx, '/chunks/50')
    const expected = Array.from({ length: 50 }, (_, i) => `chunk ${i + 1}\n`).join('')
    expectThat(
      r.status === 200 &&
        r.body.toString() === expected &&
        ended(r) &&
        field(r, 'transfer-encoding') === undefined,
      'GET /chunks/50 (fifty body events)',
      describeStream(r),
      'the fifty chunks in order, no transfer-encoding, one END_STREAM (no reset)',
    )
  },
  async 'response.back-to-back-sends'(ctx) {
    const r = await h2(ctx, '/back-to-back')
    expectThat(
      r.status === 200 && field(r, 'content-length') === '6' && r.body.toString() === 'abcdef',
      'GET /back-to-back (start and three body parts sent before one send() settled)',
      describeStream(r),
      '200 with content-length: 6 and body "abcdef"',
    )
  },
  async 'response.length-in-parts'(ctx) {
    const r = await h2(ctx, '/parts')
    expectThat(
      field(r, 'content-length') === '6' && r.body.toString() === 'abcdef' && ended(r),
      'GET /parts',
      describeStream(r),
      'content-length: 6, body "abcdef"',
    )
  },
  async 'response.head'(ctx) {
    const [head, next] = await thenNext(ctx, 'HEAD', '/length/5', '/length/3')
    expectThat(
      field(head, 'content-length') === '5' &&
        head.body.length === 0 &&
        ended(head) &&
        next.body.toString() === 'xxx',
      'HEAD /length/5 then GET /length/3 on one session',
      `${describeStream(head)}; then ${describeStream(next)}`,
      'a HEAD response with content-length 5 and no DATA, then the GET answer intact',
    )
  },
  async 'response.head-streamed'(ctx) {
    const [head, next] = await thenNext(ctx, 'HEAD', '/chunks/3', '/length/3')
    expectThat(
      head.status === 200 &&
        head.body.length === 0 &&
        ended(head) &&
        next.body.toString() === 'xxx',
      'HEAD /chunks/3 (three body events) then GET /length/3 on one session',
      `${describeStream(head)}; then ${describeStream(next)}`,
      'a HEAD response without DATA, then the GET answer intact',
    )
  },
  ...Object.fromEntries(
    [204, 304].map((status): [string, H2Form] => [
      `response.${status}-no-body`,
      async (ctx) => {
        const [r, next] = await thenNext(ctx, 'GET', `/status/${status}`, '/length/2')
        expectThat(
          r.status === status && r.body.length === 0 && ended(r) && next.body.toString() === 'xx',
          `GET /status/${status} then GET /length/2 on one session`,
          `${describeStream(r)}; then ${describeStream(next)}`,
          `${status} without DATA, then the next response intact`,
        )
      },
    ]),
  ),
  async 'response.headers-order'(ctx) {
    const r = await h2(ctx, '/headers')
    expectHeadersOrder(r.fields, describeStream(r))
  },
  async 'response.app-transfer-encoding-ignored'(ctx) {
    const r = await h2(ctx, '/te')
    // Over HTTP/2 the field is connection-specific: dropped altogether (§5.10.4).
    expectThat(
      field(r, 'transfer-encoding') === undefined &&
        r.body.toString() === 'framed by the server' &&
        ended(r),
      'GET /te (app sends transfer-encoding: gzip)',
      `${describeStream(r)}, fields ${JSON.stringify(r.fields)}`,
      'no transfer-encoding field, body readable as sent',
    )
  },
  async 'response.trailers'(ctx) {
    const r = await h2(ctx, '/trailers', { headers: [['te', 'trailers']] })
    expectThat(
      r.body.toString() === 'with trailers' && r.trailers?.['x-checksum'] === 'abc' && ended(r),
      'GET /trailers with te: trailers',
      `${describeStream(r)}, trailers ${JSON.stringify(r.trailers ?? null)}`,
      'the body, then a trailing HEADERS frame with x-checksum: abc',
    )
  },
  async 'response.pathsend'(ctx) {
    const { size } = await fetchJSON<{ size: number }>(ctx, '/self-size')
    const r = await h2(ctx, '/pathsend')
    expectThat(
      r.status === 200 &&
        field(r, 'content-length') === String(size) &&
        r.body.length === size &&
        ended(r),
      'GET /pathsend',
      `${describeStream(r)}, content-length ${field(r, 'content-length')}`,
      `200 with content-length ${size} and the whole file`,
    )
  },
  async 'response.pathsend-head'(ctx) {
    const { size } = await fetchJSON<{ size: number }>(ctx, '/self-size')
    const [head, next] = await thenNext(ctx, 'HEAD', '/pathsend', '/length/1')
    expectThat(
      field(head, 'content-length') === String(size) &&
        head.body.length === 0 &&
        next.body.toString() === 'x',
      'HEAD /pathsend then GET /length/1 on one session',
      `${describeStream(head)}, content-length ${field(head, 'content-length')}; then ${describeStream(next)}`,
      `content-length ${size}, no DATA, next response intact`,
    )
  },
}

/** The HTTP/2 form of response case `id`, if it has one. */
export const responseH2 = (id: string): H2Form | undefined => forms[id]

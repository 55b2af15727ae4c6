/**
 * The HTTP/2 forms of the application-failure and contract-violation cases (errors.ts, SPEC.md
 * §5.4.4, §5.5, §5.6), per §5.10.3: what closes the connection over HTTP/1.1 resets the stream
 * over HTTP/2 (never the session: each form checks that the session serves on), and a response
 * cut short is a stream reset, never an END_STREAM.
 *
 * @module
 */
import { ErrorCode } from '../../errors.ts'
import { describeStream, type H2Form, h2, sessionServes } from './h2-util.ts'
import { expectThat, recorded, token } from './util.ts'

/** `GET path`: a 200 whose body stops at "partial", then a reset (not END_STREAM). */
const cutShort =
  (path: string, what: string): H2Form =>
  async (ctx) => {
    const r = await h2(ctx, path)
    expectThat(
      r.status === 200 && r.body.toString() === 'partial' && r.rstCode !== 0,
      `GET ${path} (${what})`,
      describeStream(r),
      'a 200 whose body stops at "partial", then RST_STREAM (never a normal end of stream)',
    )
    await sessionServes(ctx, `GET ${path}`)
  }

/** `/violation/<name>`: send() rejects with `code`, the client gets a 500, nothing invalid. */
export const h2Violation =
  (name: string, code: string): H2Form =>
  async (ctx) => {
    const t = token()
    const r = await h2(ctx, `/violation/${name}?t=${t}`)
    const rec = await recorded(ctx, t, (x) => x.code !== undefined)
    expectThat(
      rec.code === code && r.status === 500 && !r.fields.some(([n]) => n === 'x-injected'),
      `GET /violation/${name}`,
      `send() → ${String(rec.code)}; stream: ${describeStream(r)}, fields ${JSON.stringify(r.fields)}`,
      `send() rejects with ${code}, the client gets a 500, nothing invalid in the fields`,
    )
    await sessionServes(ctx, `GET /violation/${name}`)
  }

const forms: Record<string, H2Form> = {
  async 'errors.throw-before-start'(ctx) {
    const r = await h2(ctx, '/throw-before')
    expectThat(r.status === 500 && r.rstCode === 0, 'GET /throw-before', describeStream(r), '500')
    await sessionServes(ctx, 'GET /throw-before')
  },
  'errors.throw-after-start': cutShort('/throw-after', 'content-length 100, 7 bytes sent'),
  'errors.throw-after-start-chunked': cutShort('/throw-after-chunked', 'streamed, then a throw'),
  async 'errors.return-without-response'(ctx) {
    const r = await h2(ctx, '/return-without')
    expectThat(r.status === 500, 'GET /return-without', describeStream(r), '500')
  },
  'errors.return-mid-body': cutShort('/return-mid', 'streamed, then the app returns'),
  async 'errors.second-start'(ctx) {
    const t = token()
    await h2(ctx, `/second-start?t=${t}`)
    const r = await recorded(ctx, t, (x) => x.code !== undefined)
    expectThat(
      r.code === ErrorCode.unexpectedEvent,
      'start, start',
      String(r.code),
      ErrorCode.unexpectedEvent,
    )
  },
  async 'errors.after-complete'(ctx) {
    const t = token()
    const s = await h2(ctx, `/after-complete?t=${t}`)
    const r = await recorded(ctx, t, (x) => x.code !== undefined)
    expectThat(
      r.code === ErrorCode.unexpectedEvent && s.body.toString() === 'done' && s.rstCode === 0,
      'a complete response, then one more body',
      `${String(r.code)}; ${describeStream(s)}`,
      `${ErrorCode.unexpectedEvent}, and the response "done" intact, ended normally`,
    )
  },
  async 'errors.over-content-length'(ctx) {
    const t = token()
    const s = await h2(ctx, `/over-length?t=${t}`)
    const r = await recorded(ctx, t, (x) => x.code !== undefined)
    // Either the held start became a 500 (§5.6), or the start went out and the stream was
    // reset with none of the rejected "abcdef" — not even the 3 bytes that would fit.
    const clean = s.status === 500 || (s.status === 200 && s.body.length === 0 && s.rstCode !== 0)
    expectThat(
      r.code === ErrorCode.contentLength && clean,
      'content-length: 3, then one body event "abcdef"',
      `${String(r.code)}; ${describeStream(s)}`,
      `${ErrorCode.contentLength}, and a 500 or the 200 head with no body byte, then a reset`,
    )
    await sessionServes(ctx, 'GET /over-length')
  },
  async 'errors.short-content-length'(ctx) {
    const t = token()
    const s = await h2(ctx, `/short-length?t=${t}`)
    const r = await recorded(ctx, t, (x) => x.code !== undefined)
    expectThat(
      r.code === ErrorCode.contentLength && s.rstCode !== 0 && s.body.toString() === 'abc',
      'content-length: 10, body "abc"',
      `${String(r.code)}; ${describeStream(s)}`,
      `${ErrorCode.contentLength}; "abc", then the stream reset (never ended as complete)`,
    )
    await sessionServes(ctx, 'GET /short-length')
  },
}

/** The HTTP/2 form of errors case `id`, if it has one (the violations get theirs from {@link h2Violation}). */
export const errorsH2 = (id: string): H2Form | undefined => forms[id]

/**
 * What the cases share over HTTP/2 (transport h2c, or h2 over TLS): one request on a stream,
 * read until the stream closes (it ends, or is reset: a reset is a result, its code read from
 * `rstCode`), with the response's field lines in their order, its trailers and its 1xx heads.
 * Sessions come from the run's client (`ctx.h2`), so TLS is its business; the scheme and
 * authority of every request are the ones of `ctx.url`.
 *
 * @module
 */
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2'
import type { H2Client } from '../h2-client.ts'
import type { Case, CaseContext } from '../types.ts'
import { expectThat } from './util.ts'

/** What came back on one stream. */
export interface StreamResult {
  status: number | undefined
  headers: Record<string, string | string[] | undefined>
  /** The response's field lines in wire order (pseudo-headers left out). */
  fields: Array<[string, string]>
  body: Buffer
  /** The trailing HEADERS frame's fields, if one came. */
  trailers: Record<string, string | string[] | undefined> | undefined
  /** The statuses of the informational (1xx) heads before the response. */
  informational: number[]
  /** The RST_STREAM code (0 for a stream that ended normally). */
  rstCode: number
}

/** Options of {@link open} and {@link h2}. */
export interface H2RequestOptions {
  method?: string
  /** Regular fields, in order, duplicates kept (sent as raw field lines). */
  headers?: Array<[string, string]>
  /** Body parts, each written once the previous one was taken; the last one ends the stream. */
  body?: Array<string | Buffer>
  /** Leave the request open after the head and `body` (the case ends or resets it). */
  open?: boolean
  /** The session to use (default: the run's shared one to `ctx.url`). */
  session?: ClientHttp2Session
}

/** A request in flight: its stream, and its result, collected from the first byte on. */
export interface OpenStream {
  stream: ClientHttp2Stream
  session: ClientHttp2Session
  /** Body bytes received so far. */
  received(): number
  /** Settles once the stream closed. */
  result: Promise<StreamResult>
}

/** The run's HTTP/2 client (only cases marked for HTTP/2 call this, and only under it). */
export function client(ctx: Pick<CaseContext, 'h2'>): H2Client {
  if (!ctx.h2) throw new Error('an HTTP/2 path of a case run without an HTTP/2 client')
  return ctx.h2
}

/** The `:authority` of requests to `url` (its host and port). */
export const authorityOf = (url: string) => new URL(url).host

/** The `:scheme` of requests to `url`: `https` over TLS, else `http`. */
export const schemeOf = (url: string) => new URL(url).protocol.replace(/:$/, '')

/** The raw field lines of a request (pseudo-headers first; CONNECT has no :scheme or :path). */
function fieldLines(url: string, method: string, path: string, headers: Array<[string, string]>) {
  const pseudo =
    method === 'CONNECT'
      ? [':method', method, ':authority', path]
      : [':method', method, ':path', path, ':scheme', schemeOf(url), ':authority', authorityOf(url)]
  return [...pseudo, ...headers.flat()]
}

/** Reads `stream` until it closes. */
export function collect(stream: ClientHttp2Stream): Promise<StreamResult> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    const informational: number[] = []
    let headers: StreamResult['headers'] = {}
    let fields: Array<[string, string]> = []
    let trailers: StreamResult['trailers']
    // node:http2 tells a 100 head by 'continue', any other 1xx by 'headers'.
    stream.on('continue', () => informational.push(100))
    stream.on('headers', (h: IncomingHttpHeaders & { ':status'?: number }) => {
      const status = Number(h[':status'])
      if (status !== 100) informational.push(status)
    })
    stream.on('response', (h, _flags, raw?: string[]) => {
      headers = h as StreamResult['headers']
      fields = []
      for (let i = 0; raw && i < raw.length; i += 2)
        if (!raw[i]!.startsWith(':')) fields.push([raw[i]!, raw[i + 1]!])
    })
    stream.on('trailers', (t) => {
      trailers = t as StreamResult['trailers']
    })
    stream.on('data', (d: Buffer) => parts.push(d))
    stream.on('error', () => {}) // a reset is a result here, read from rstCode
    stream.once('close', () => {
      const s = headers[':status']
      resolve({
        status: s === undefined ? undefined : Number(s),
        headers,
        fields,
        body: Buffer.concat(parts),
        trailers,
        informational,
        rstCode: stream.rstCode ?? 0,
      })
    })
  })
}

/** Opens a request stream on `opts.session` (default the shared session) and writes its body. */
export async function open(
  ctx: Pick<CaseContext, 'h2' | 'url'>,
  path: string,
  opts: H2RequestOptions = {},
): Promise<OpenStream> {
  const session = opts.session ?? (await client(ctx).session(ctx.url))
  const lines = fieldLines(ctx.url, opts.method ?? 'GET', path, opts.headers ?? [])
  const ends = opts.body === undefined && !opts.open
  // node:http2 takes raw field lines (name, value, …) as well as an object: order and
  // duplicates are then the case's own.
  const stream = session.request(lines as unknown as Record<string, string>, { endStream: ends })
  let bytes = 0
  stream.on('data', (d: Buffer) => {
    bytes += d.length
  })
  const result = collect(stream)
  const parts = opts.body ?? []
  // An empty body list still ends the request (with an empty DATA frame), unless kept open.
  if (opts.body !== undefined && parts.length === 0 && !opts.open) stream.end()
  for (const [i, part] of parts.entries()) {
    if (stream.destroyed) break
    const last = i === parts.length - 1 && !opts.open
    await new Promise<void>((resolve) => {
      const done = () => resolve()
      if (last) stream.end(part, done)
      else stream.write(part, done)
      stream.once('close', done)
    })
  }
  return { stream, session, received: () => bytes, result }
}

/** One request, read until its stream closes. */
export async function h2(
  ctx: Pick<CaseContext, 'h2' | 'url'>,
  path: string,
  opts: Omit<H2RequestOptions, 'open'> = {},
): Promise<StreamResult> {
  return (await open(ctx, path, opts)).result
}

/** A fresh session of the case's own (closed by the caller). */
export function isolated(ctx: Pick<CaseContext, 'h2' | 'url'>): Promise<ClientHttp2Session> {
  return client(ctx).isolated(ctx.url)
}

/** A short description of a stream's result, for failure messages. */
export const describeStream = (r: StreamResult) =>
  `${r.status ?? 'no response'}, ${r.body.length} body bytes ${JSON.stringify(r.body.toString('latin1').slice(0, 60))}, rstCode ${r.rstCode}`

/** The first value of response field `name`. */
export function field(r: StreamResult, name: string): string | undefined {
  return r.fields.find(([k]) => k === name)?.[1]
}

/** Fails unless `session` (default: the shared one) still serves a normal request. */
export async function sessionServes(
  ctx: Pick<CaseContext, 'h2' | 'url'>,
  after: string,
  session?: ClientHttp2Session,
): Promise<void> {
  const r = await h2(ctx, '/length/1', { session })
  expectThat(
    r.status === 200 && r.body.toString() === 'x' && r.rstCode === 0,
    `${after}, then GET /length/1 on the same session`,
    describeStream(r),
    '200 "x": the session keeps serving',
  )
}

/** A case's HTTP/2 form: what it does instead of its HTTP/1.1 exchange, for the same rule. */
export type H2Form = (ctx: CaseContext) => Promise<void>

/**
 * `c`, marked to run over HTTP/2 too (`http2: 'same'`): under an HTTP/2 transport it runs
 * `form`, else its own `run`, untouched.
 */
export function withH2(c: Case, form: H2Form): Case {
  return { ...c, http2: 'same', run: (ctx) => (ctx.h2 ? form(ctx) : c.run(ctx)) }
}

/** `cases` with the HTTP/2 form `forms(id)` gives, where it gives one. */
export function withH2Forms(cases: Case[], forms: (id: string) => H2Form | undefined): Case[] {
  return cases.map((c) => {
    const form = forms(c.id)
    return form ? withH2(c, form) : c
  })
}

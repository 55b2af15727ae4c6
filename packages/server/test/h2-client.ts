/**
 * A node:http2 client for the tests of `serve({ http2: true })`: one request on a session,
 * collected whole (status, headers, body, trailers, and how the stream ended).
 */
import {
  type ClientHttp2Session,
  type ClientSessionOptions,
  connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2'

/**
 * The client sessions a test file opens, destroyed after each test (`afterEach(() =>
 * sessions.destroyAll())`). A session's `'error'` is swallowed: each test asserts what it
 * expects of its streams, and a reset the test provokes must not become an uncaught error.
 */
export class TestSessions {
  readonly #open: ClientHttp2Session[] = []

  /** A session to `url` (`https:` with `options` for TLS). */
  open(
    url: string,
    options?: ClientSessionOptions | SecureClientSessionOptions,
  ): ClientHttp2Session {
    return this.track(connect(url, options))
  }

  /** Keeps `session` (made some other way) to be destroyed with the others. */
  track(session: ClientHttp2Session): ClientHttp2Session {
    session.on('error', () => {})
    this.#open.push(session)
    return session
  }

  /** Destroys every session opened since the last call. */
  destroyAll(): void {
    for (const s of this.#open.splice(0)) s.destroy()
  }
}

/** What one h2 request got. */
export interface H2Answer {
  status: number
  headers: IncomingHttpHeaders
  /** The response's fields as received, `[name, value, …]` in wire order. */
  rawHeaders: string[]
  body: Buffer
  trailers: IncomingHttpHeaders | null
  /** The stream's RST_STREAM code (0 when it ended normally). */
  rstCode: number
  /** Whether the body ended with END_STREAM (not a reset). */
  complete: boolean
}

/** Sends one request on `session` (`body` then END_STREAM) and collects the answer. */
export function h2Request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: Uint8Array | string,
): Promise<H2Answer> {
  return new Promise((resolve) => {
    const stream = session.request({ ':method': 'GET', ':path': '/', ...headers })
    const chunks: Buffer[] = []
    const answer: H2Answer = {
      status: 0,
      headers: {},
      rawHeaders: [],
      body: Buffer.alloc(0),
      trailers: null,
      rstCode: 0,
      complete: false,
    }
    stream.on('response', (h, _flags, raw: string[]) => {
      answer.status = Number(h[':status'])
      answer.headers = h
      answer.rawHeaders = raw
    })
    stream.on('trailers', (t) => {
      answer.trailers = t
    })
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      answer.complete = true
    })
    stream.on('error', () => {})
    stream.on('close', () => {
      answer.body = Buffer.concat(chunks)
      answer.rstCode = stream.rstCode ?? 0
      resolve(answer)
    })
    if (body !== undefined) stream.end(body)
    else stream.end()
  })
}

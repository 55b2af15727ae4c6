/**
 * A small HTTP/2 client for the suite's `--http2` runs: h2c (cleartext, prior knowledge) to
 * `http:` origins, h2 over TLS (ALPN `h2`) to `https:` ones, one session per origin, and a
 * `fetch`-shaped request helper so that the cases written against `fetch` run unchanged over
 * HTTP/2. Only what the cases use is supported: method, headers, a string / bytes / stream
 * body, an abort signal.
 *
 * @module
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type SecureClientSessionOptions,
} from 'node:http2'
import { Readable } from 'node:stream'

/**
 * How {@link H2Client} trusts a TLS server: by default as node:tls does (the system's CAs and
 * the host name); `ca` adds the certificates to trust (PEM), `insecure` accepts any
 * certificate (a self-signed one on a test machine) — told, never assumed.
 */
export interface H2ClientOptions {
  /** PEM certificate(s) to trust for `https:` origins, e.g. the server's self-signed one. */
  ca?: string | Buffer
  /** Accept any certificate of `https:` origins (no verification at all). */
  insecure?: boolean
}

/** HTTP/2 sessions by origin (TLS for `https:`, cleartext for `http:`), and a `fetch` over them. */
export class H2Client {
  readonly #sessions = new Map<string, ClientHttp2Session>()
  readonly #tls: SecureClientSessionOptions

  constructor(options: H2ClientOptions = {}) {
    this.#tls = {
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.insecure ? { rejectUnauthorized: false } : {}),
    }
  }

  /**
   * A new session to `origin`: over TLS offering only ALPN `h2` for `https:` (a server that
   * does not choose it fails the session rather than being spoken to in HTTP/1.1).
   */
  #connect(origin: string): ClientHttp2Session {
    if (new URL(origin).protocol !== 'https:') return connect(origin)
    return connect(origin, { ...this.#tls, ALPNProtocols: ['h2'] })
  }

  /**
   * The open session to `origin` (`http://host:port` or `https://host:port`), connecting
   * (again) if needed.
   */
  session(origin: string): Promise<ClientHttp2Session> {
    const open = this.#sessions.get(origin)
    if (open && !open.closed && !open.destroyed) return Promise.resolve(open)
    return new Promise((resolve, reject) => {
      const session = this.#connect(origin)
      this.#sessions.set(origin, session)
      // A session that failed or went away is replaced on the next request.
      const forget = () => {
        if (this.#sessions.get(origin) === session) this.#sessions.delete(origin)
      }
      session.once('close', forget)
      session.once('goaway', forget)
      // `on`, not `once`: a later error must not become an uncaught exception in the runner.
      session.on('error', (error) => {
        forget()
        reject(error)
      })
      session.once('connect', () => resolve(session))
    })
  }

  /** A fresh session to `origin` that no other request shares (closed by the caller). */
  isolated(origin: string): Promise<ClientHttp2Session> {
    return new Promise((resolve, reject) => {
      const session = this.#connect(origin)
      session.on('error', reject)
      session.once('connect', () => resolve(session))
    })
  }

  /** `fetch` over HTTP/2: same arguments and result as the global one, for what the cases use. */
  readonly fetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input)
    const session = await this.session(url.origin)
    const method = (init.method ?? 'GET').toUpperCase()
    const headers: Record<string, string | string[]> = {
      ':method': method,
      ':path': `${url.pathname}${url.search}`,
      ':scheme': url.protocol.slice(0, -1),
      ':authority': url.host,
    }
    for (const [k, v] of new Headers(init.headers)) headers[k] = v
    const body = init.body ?? null
    const stream = session.request(headers, { endStream: body === null })
    const signal = init.signal
    const abort = () => stream.close(constants.NGHTTP2_CANCEL)
    signal?.addEventListener('abort', abort, { once: true })
    if (body !== null) void writeBody(stream, body)
    const head = await new Promise<Record<string, string | string[] | number | undefined>>(
      (resolve, reject) => {
        stream.once('response', (h) => resolve(h))
        stream.once('error', reject)
        stream.once('close', () =>
          reject(
            signal?.aborted
              ? (signal.reason as Error)
              : new Error(`stream closed before a response (code ${stream.rstCode})`),
          ),
        )
      },
    )
    const status = Number(head[':status'])
    const out = new Headers()
    for (const [k, v] of Object.entries(head)) {
      if (k.startsWith(':') || v === undefined) continue
      for (const x of Array.isArray(v) ? v : [String(v)]) out.append(k, x)
    }
    const bodiless = method === 'HEAD' || status === 204 || status === 304
    if (bodiless) stream.resume()
    const webBody = bodiless ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>)
    return new Response(webBody, { status, headers: out })
  }

  /** Closes every session. */
  close(): void {
    for (const s of this.#sessions.values()) s.destroy()
    this.#sessions.clear()
  }
}

async function writeBody(
  stream: ClientHttp2Stream,
  body: NonNullable<RequestInit['body']>,
): Promise<void> {
  try {
    if (typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) {
      stream.end(typeof body === 'string' ? body : Buffer.from(body as ArrayBuffer))
      return
    }
    if (body instanceof ReadableStream) {
      for await (const chunk of body as ReadableStream<Uint8Array>) {
        if (!stream.write(chunk))
          await new Promise<void>((r) => {
            stream.once('drain', r)
            stream.once('close', r)
          })
        if (stream.closed) return
      }
      stream.end()
      return
    }
    stream.end(Buffer.from(await new Response(body).arrayBuffer()))
  } catch {
    stream.close(constants.NGHTTP2_CANCEL)
  }
}

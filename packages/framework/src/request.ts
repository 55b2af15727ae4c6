/**
 * The request a handler receives: typed params, query, headers, cookies and body, the raw
 * scope, the client address, the lifespan state, an AbortSignal for disconnects, and `after()`
 * to run work once the response is sent. Everything is parsed lazily, on first access.
 *
 * @module
 */
import type { Address, HTTPScope, Receive, State } from '@tsgi/protocol'
import { BodyReader, charsetOf, decodeText, parseForm, parseJSON } from './body.ts'
import { parseCookies } from './cookies.ts'
import { FrameworkErrorCode, UnsupportedMediaTypeError } from './errors.ts'
import { RequestHeaders } from './headers.ts'
import { parseQuery, type Query } from './query.ts'

/** Work to run after the response is sent. */
export type AfterTask = () => unknown

/** Request-scoped values middleware attach (`req.locals`) when nothing more is declared. */
export type Locals = Record<string, unknown>

/** Shapes of a request's typed parts (`locals`: what middleware before the handler added). */
export interface RequestTypes {
  params: unknown
  query: unknown
  body: unknown
  state: State
  locals?: object
}

/** Defaults when nothing is declared: string params, a parsed query record, no validated body. */
export interface DefaultTypes {
  params: Record<string, string>
  query: Query
  body: undefined
  state: State
  locals: Locals
}

/** One HTTP request, as handlers and middleware see it. */
export class Request<T extends RequestTypes = DefaultTypes> {
  /** The raw TSGI scope. */
  readonly scope: HTTPScope
  /** The method, uppercase. */
  readonly method: string
  /** The path inside the application (without `rootPath`), decoded. */
  readonly path: string
  /** The route pattern that matched (`/users/:id`), or `''` when none did. */
  route = ''
  /** The body validated by the route's schema (only set when the route declares one). */
  body: T['body']
  // Params, locals and after() tasks are made on first use: most requests never touch some
  // of them, and each empty object or array was an allocation per request (heap profile).
  private paramValues: T['params'] | undefined = undefined
  private localValues: Locals | undefined = undefined
  /** Created on the first body access: most requests never read one. */
  private bodyReader: BodyReader | null = null
  private bodyLimit: number
  private parsedQuery: T['query'] | undefined = undefined
  private headerView: RequestHeaders | undefined = undefined
  private cookieJar: Record<string, string> | undefined = undefined
  private controller: AbortController | undefined = undefined
  private readonly receive: Receive
  /** @internal Tasks registered with {@link after} (`null`: none). */
  afterTasks: AfterTask[] | null = null

  constructor(scope: HTTPScope, receive: Receive, bodyLimit: number) {
    this.scope = scope
    this.method = scope.method
    this.path = scope.path.slice(scope.rootPath.length) || '/'
    this.body = undefined as T['body']
    this.receive = receive
    this.bodyLimit = bodyLimit
  }

  /** Path parameters (validated and typed when the route has a params schema). */
  get params(): T['params'] {
    if (this.paramValues === undefined) this.paramValues = {} as T['params']
    return this.paramValues
  }

  set params(value: T['params']) {
    this.paramValues = value
  }

  /**
   * Values middleware attach for later handlers (request-scoped). Typed with what the
   * middleware before the handler declare (`createMiddleware`), a string record otherwise.
   */
  get locals(): T extends { locals: infer L extends object } ? L & Locals : Locals {
    if (this.localValues === undefined) this.localValues = {}
    return this.localValues as never
  }

  private get reader(): BodyReader {
    if (this.bodyReader === null) {
      let declared = -1
      const headers = this.scope.headers
      for (let i = 0; i < headers.length; i++) {
        const pair = headers[i]!
        if (pair[0] === 'content-length') {
          declared = Number(pair[1])
          break
        }
      }
      this.bodyReader = new BodyReader(this.receive, this.bodyLimit, declared)
    }
    return this.bodyReader
  }

  /** @internal Sets the body limit for this request (a route's `bodyLimit`). */
  setBodyLimit(limit: number): void {
    this.bodyLimit = limit
    if (this.bodyReader !== null) this.bodyReader.limit = limit
  }

  /** The query: parsed from the query string, or validated by the route's schema. */
  get query(): T['query'] {
    if (this.parsedQuery === undefined)
      this.parsedQuery = parseQuery(this.scope.queryString) as T['query']
    return this.parsedQuery
  }

  set query(value: T['query']) {
    this.parsedQuery = value
  }

  /** Request headers, case-insensitive. */
  get headers(): RequestHeaders {
    this.headerView ??= new RequestHeaders(this.scope.headers)
    return this.headerView
  }

  /** Cookies from the `cookie` header. */
  get cookies(): Record<string, string> {
    this.cookieJar ??= parseCookies(this.headers.get('cookie'))
    return this.cookieJar
  }

  /** The client address (proxy-aware only through the server's trusted-proxy settings). */
  get client(): Address | null {
    return this.scope.client
  }

  /** The lifespan state (a per-request shallow copy). */
  get state(): T['state'] {
    return this.scope.state as T['state']
  }

  /** The request's full URL path with its query, as received (`/a%20b?x=1`). */
  get url(): string {
    const q = this.scope.queryString
    return q ? `${this.scope.rawPath}?${q}` : this.scope.rawPath
  }

  /**
   * Aborts when the client disconnects. Watching needs the body consumed first, so the first
   * access reads (and caches) any unread body, within the body limit.
   */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController()
      this.controller = controller
      const watch = async () => {
        if (!this.reader.done) await this.reader.bytes()
        for (;;) {
          const event = await this.receive()
          if (event.type === 'http.disconnect') break
        }
        controller.abort(new DOMException('the client disconnected', 'AbortError'))
      }
      watch().catch((error: unknown) => controller.abort(error))
    }
    return this.controller.signal
  }

  /** Body chunks as they arrive (the body limit applies while streaming). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.reader.stream()
  }

  /** The whole body; cached, so it can be read again. */
  bytes(): Promise<Uint8Array> {
    return this.reader.bytes()
  }

  /** The body as text, in the charset of its content-type (UTF-8 by default). */
  async text(): Promise<string> {
    return decodeText(await this.reader.bytes(), charsetOf(this.headers.get('content-type')))
  }

  /** The body parsed as JSON; `undefined` when the body is empty. 400 on invalid JSON. */
  async json<J = unknown>(): Promise<J> {
    return parseJSON(await this.text()) as J
  }

  /** The body parsed as `application/x-www-form-urlencoded`. 415 for another content-type. */
  async form(): Promise<Query> {
    const type = this.headers.get('content-type')
    if (type !== undefined && !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
      throw new UnsupportedMediaTypeError(
        `expected application/x-www-form-urlencoded, got ${type}`,
        { code: FrameworkErrorCode.unsupportedMediaType },
      )
    }
    return parseForm(await this.text())
  }

  /**
   * Runs `task` after the response has been sent (Starlette's background tasks). Errors are
   * logged, never sent. The application's call for this request lasts until tasks finish, so
   * servers drain them on shutdown.
   */
  after(task: AfterTask): void {
    if (this.afterTasks === null) this.afterTasks = [task]
    else this.afterTasks.push(task)
  }
}

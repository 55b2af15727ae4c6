/**
 * Request ids: one id per request, reused from the client (or proxy) when it sent a safe one,
 * on `req.locals.requestId` for handlers and logs, and echoed in a response header.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { State } from '@tsgi/protocol'
import type { Middleware } from '../middleware.ts'

/**
 * Options of {@link requestId}.
 *
 * @example
 * ```ts
 * app.use(requestId({ header: 'x-correlation-id', trustIncoming: false }))
 * ```
 */
export interface RequestIdOptions {
  /** Request and response header carrying the id. Default `x-request-id`. */
  header?: string
  /** Reuse a safe incoming id. Default `true`; turn off when clients are not trusted to pick ids. */
  trustIncoming?: boolean
  /** Makes a new id. Default `crypto.randomUUID()`. */
  generate?: () => string
}

/** The longest incoming id reused. */
const MAX_LENGTH = 200
/** Visible ASCII only: no spaces, controls or non-ASCII that could forge log lines or headers. */
const SAFE = /^[\x21-\x7e]+$/

/**
 * Whether an incoming id is safe to reuse: 1 to 200 visible ASCII characters.
 *
 * @example
 * ```ts
 * isSafeRequestId('abc-123') // true
 * isSafeRequestId('two words') // false
 * ```
 */
export function isSafeRequestId(id: string): boolean {
  return id.length <= MAX_LENGTH && SAFE.test(id)
}

/**
 * The id {@link requestId} gave the request, or `undefined` when that middleware did not run.
 *
 * @example
 * ```ts
 * app.get('/', (req) => ({ id: getRequestId(req) }))
 * ```
 */
export function getRequestId(request: {
  readonly locals: Record<string, unknown>
}): string | undefined {
  const id = request.locals.requestId
  return typeof id === 'string' ? id : undefined
}

/**
 * Request id middleware. Reuses the incoming `x-request-id` when it is a safe token (at most
 * 200 visible ASCII characters), otherwise generates one; stores it on `req.locals.requestId`
 * (see {@link getRequestId}) and sets it on the response, errors included.
 *
 * @example
 * ```ts
 * import { accessLog, requestId } from '@tsgi/framework/middleware'
 *
 * app.use(requestId(), accessLog()) // log lines carry the id
 * app.get('/', (req) => `your request is ${req.locals.requestId}`)
 * ```
 */
export function requestId<S extends State = State>(options: RequestIdOptions = {}): Middleware<S> {
  const header = (options.header ?? 'x-request-id').toLowerCase()
  const trust = options.trustIncoming ?? true
  const generate = options.generate ?? randomUUID
  return async (request, next) => {
    const incoming = trust ? request.headers.getAll(header) : []
    const id = incoming.length === 1 && isSafeRequestId(incoming[0]!) ? incoming[0]! : generate()
    request.locals.requestId = id
    const res = await next()
    res.headers.set(header, id)
    return res
  }
}

/**
 * HTTP errors and their RFC 9457 problem+json bodies. Throw an `HTTPError` (or a subclass)
 * anywhere in a handler or middleware; the nearest error handler turns it into a response.
 *
 * @module
 */
import { statusText, TSGIError } from '@tsgi/protocol'

/** One failing field of a validation error. */
export interface FieldIssue {
  /** Where the problem is: `'body.age'`, `'query.page'`, `'params.id'`. */
  path: string
  /** What is wrong. */
  message: string
}

/** Options of {@link HTTPError}. */
export interface HTTPErrorOptions {
  /** Human-readable explanation for this occurrence (sent to the client). */
  detail?: string
  /** A URI identifying the problem type. Default `about:blank`. */
  type?: string
  /** Short summary; defaults to the status's reason phrase. */
  title?: string
  /** Validation issues, sent as `errors`. */
  errors?: FieldIssue[]
  /** Extra response headers (e.g. `allow`, `retry-after`, `www-authenticate`). */
  headers?: Record<string, string>
  /** A stable code for machines, sent as `code`. Default: the status's code ({@link defaultErrorCode}). */
  code?: string
  /** The underlying error (logged, never sent). */
  cause?: unknown
  /** Whether `detail` may be sent to the client. Default: true below 500, false from 500. */
  expose?: boolean
}

/**
 * An error that maps to an HTTP response (a {@link TSGIError}: its `code` is the one given or
 * the status's, sent in the problem body).
 */
export class HTTPError extends TSGIError<string> {
  /** The HTTP status. */
  readonly status: number
  /** Problem type URI. */
  readonly type: string
  /** Problem title. */
  readonly title: string
  /** Problem detail, if any. */
  readonly detail: string | undefined
  /** Validation issues, if any. */
  readonly errors: FieldIssue[] | undefined
  /** Extra response headers. */
  readonly headers: Record<string, string>
  /** Whether `detail` is sent to the client. */
  readonly expose: boolean

  constructor(status: number, options: HTTPErrorOptions = {}) {
    const title = options.title ?? (statusText(status) || 'Error')
    super(options.code ?? defaultErrorCode(status), options.detail ?? title, {
      cause: options.cause,
    })
    this.name = 'HTTPError'
    this.status = status
    this.type = options.type ?? 'about:blank'
    this.title = title
    this.detail = options.detail
    this.errors = options.errors
    this.headers = options.headers ?? {}
    this.expose = options.expose ?? status < 500
  }

  /** The problem+json document (RFC 9457) for this error. `debug` adds internal details. */
  toProblem(debug = false): Record<string, unknown> {
    const problem: Record<string, unknown> = {
      type: this.type,
      title: this.title,
      status: this.status,
    }
    if (this.detail !== undefined && (this.expose || debug)) problem.detail = this.detail
    problem.code = this.code
    if (this.errors !== undefined) problem.errors = this.errors
    return problem
  }
}

/** A status-specific subclass of {@link HTTPError}: `new NotFoundError('no such user')`. */
export interface HTTPErrorClass {
  new (detail?: string, options?: Omit<HTTPErrorOptions, 'detail'>): HTTPError
}

const make = (status: number, name: string): HTTPErrorClass =>
  class extends HTTPError {
    constructor(detail?: string, options: Omit<HTTPErrorOptions, 'detail'> = {}) {
      super(status, { ...options, detail })
      this.name = name
    }
  }

/** 400 Bad Request. */
export const BadRequestError = make(400, 'BadRequestError')
/** 401 Unauthorized (set `www-authenticate` through `headers`). */
export const UnauthorizedError = make(401, 'UnauthorizedError')
/** 403 Forbidden. */
export const ForbiddenError = make(403, 'ForbiddenError')
/** 404 Not Found. */
export const NotFoundError = make(404, 'NotFoundError')
/** 409 Conflict. */
export const ConflictError = make(409, 'ConflictError')
/** 413 Content Too Large. */
export const ContentTooLargeError = make(413, 'ContentTooLargeError')
/** 415 Unsupported Media Type. */
export const UnsupportedMediaTypeError = make(415, 'UnsupportedMediaTypeError')
/** 422 Unprocessable Content: validation failed; `errors` lists each field. */
export const UnprocessableContentError = make(422, 'UnprocessableContentError')
/** 429 Too Many Requests (set `retry-after` through `headers`). */
export const TooManyRequestsError = make(429, 'TooManyRequestsError')
/** 500 Internal Server Error. */
export const InternalServerError = make(500, 'InternalServerError')
/** 503 Service Unavailable. */
export const ServiceUnavailableError = make(503, 'ServiceUnavailableError')

/** 405 Method Not Allowed, with the `allow` header listing what the path accepts. */
export class MethodNotAllowedError extends HTTPError {
  /** The methods the path accepts. */
  readonly allow: string[]

  constructor(method: string, allow: string[]) {
    super(405, {
      detail: `${method} is not allowed here; allowed: ${allow.join(', ')}`,
      headers: { allow: allow.join(', ') },
      code: FrameworkErrorCode.methodNotAllowed,
    })
    this.name = 'MethodNotAllowedError'
    this.allow = allow
  }
}

/** Stable codes the framework puts in problem bodies and error objects (README, "Errors"). */
export const FrameworkErrorCode = {
  // The default code of each status the framework names (an `HTTPError` without a `code`).
  badRequest: 'TSGI_FW_ERR_BAD_REQUEST',
  unauthorized: 'TSGI_FW_ERR_UNAUTHORIZED',
  forbidden: 'TSGI_FW_ERR_FORBIDDEN',
  notFound: 'TSGI_FW_ERR_NOT_FOUND',
  methodNotAllowed: 'TSGI_FW_ERR_METHOD_NOT_ALLOWED',
  conflict: 'TSGI_FW_ERR_CONFLICT',
  contentTooLarge: 'TSGI_FW_ERR_CONTENT_TOO_LARGE',
  unsupportedMediaType: 'TSGI_FW_ERR_UNSUPPORTED_MEDIA_TYPE',
  unprocessableContent: 'TSGI_FW_ERR_UNPROCESSABLE_CONTENT',
  upgradeRequired: 'TSGI_FW_ERR_UPGRADE_REQUIRED',
  tooManyRequests: 'TSGI_FW_ERR_TOO_MANY_REQUESTS',
  internal: 'TSGI_FW_ERR_INTERNAL',
  serviceUnavailable: 'TSGI_FW_ERR_SERVICE_UNAVAILABLE',
  // What the framework itself answers, more precise than the status.
  routeNotFound: 'TSGI_FW_ERR_ROUTE_NOT_FOUND',
  bodyTooLarge: 'TSGI_FW_ERR_BODY_TOO_LARGE',
  invalidJSON: 'TSGI_FW_ERR_INVALID_JSON',
  invalidForm: 'TSGI_FW_ERR_INVALID_FORM',
  validation: 'TSGI_FW_ERR_VALIDATION',
  // Programming errors: thrown at startup, or logged with a 500.
  handlerResult: 'TSGI_FW_ERR_HANDLER_RESULT',
  duplicateRoute: 'TSGI_FW_ERR_DUPLICATE_ROUTE',
  routePattern: 'TSGI_FW_ERR_ROUTE_PATTERN',
  lifespan: 'TSGI_FW_ERR_LIFESPAN',
} as const

/** One of the {@link FrameworkErrorCode} values. */
export type FrameworkErrorCodeValue = (typeof FrameworkErrorCode)[keyof typeof FrameworkErrorCode]

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: FrameworkErrorCode.badRequest,
  401: FrameworkErrorCode.unauthorized,
  403: FrameworkErrorCode.forbidden,
  404: FrameworkErrorCode.notFound,
  405: FrameworkErrorCode.methodNotAllowed,
  409: FrameworkErrorCode.conflict,
  413: FrameworkErrorCode.contentTooLarge,
  415: FrameworkErrorCode.unsupportedMediaType,
  422: FrameworkErrorCode.unprocessableContent,
  426: FrameworkErrorCode.upgradeRequired,
  429: FrameworkErrorCode.tooManyRequests,
  500: FrameworkErrorCode.internal,
  503: FrameworkErrorCode.serviceUnavailable,
}

/**
 * The code of an `HTTPError` created without one: the status's named code
 * (`TSGI_FW_ERR_NOT_FOUND` for 404), else `TSGI_FW_ERR_HTTP_<status>` (`TSGI_FW_ERR_HTTP_418`).
 */
export function defaultErrorCode(status: number): string {
  return STATUS_CODES[status] ?? `TSGI_FW_ERR_HTTP_${status}`
}

/** Registering the same method and path twice: refused at startup, never a silent override. */
export class DuplicateRouteError extends TSGIError<typeof FrameworkErrorCode.duplicateRoute> {
  constructor(method: string, pattern: string) {
    super(FrameworkErrorCode.duplicateRoute, `route ${method} ${pattern} is registered twice`)
    this.name = 'DuplicateRouteError'
  }
}

/** The error as an `HTTPError`: itself, or a 500 wrapping an unexpected error. */
export function toHTTPError(error: unknown): HTTPError {
  if (error instanceof HTTPError) return error
  return new HTTPError(500, {
    cause: error,
    code: FrameworkErrorCode.internal,
    detail: error instanceof Error ? error.message : String(error),
    expose: false,
  })
}

/**
 * A handler (or `toResponse`) got a value that is neither plain JSON nor a response kind — a
 * `Map`, a class instance, a Node stream: answered with a logged 500 naming what it was.
 */
export class HandlerResultError extends TSGIError<typeof FrameworkErrorCode.handlerResult> {
  constructor(message: string) {
    super(FrameworkErrorCode.handlerResult, message)
    this.name = 'HandlerResultError'
  }
}

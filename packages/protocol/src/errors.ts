/**
 * Errors of the TSGI contract, and {@link TSGIError}, the base class of every error a tsgi
 * package raises. Each has a stable `code` (`TSGI_<AREA>_ERR_<NAME>`, listed with its meaning
 * and fix in docs/errors.md; the protocol's are in SPEC.md, "Error codes"): match on `code`,
 * not on the class, when two copies of a package may be loaded.
 *
 * @module
 */

/**
 * Base class of every error the tsgi packages raise themselves (the protocol's, the server's,
 * the framework's, the adapters' and the task queue's): a stable, documented `code` and an
 * optional `cause`. Each package narrows `Code` to its own codes.
 */
export class TSGIError<Code extends string = string> extends Error {
  /** Stable, documented error code, `TSGI_<AREA>_ERR_<NAME>` (docs/errors.md). */
  readonly code: Code

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TSGIError'
    this.code = code
  }
}

/** Stable codes of the errors defined by the contract. */
export const ErrorCode = {
  /** `send()` after the client went away. Expected; servers never log it as an app error. */
  clientDisconnected: 'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
  /** An event that is malformed: unknown type, missing or mistyped field, bad header bytes. */
  invalidEvent: 'TSGI_PROTOCOL_ERR_INVALID_EVENT',
  /** A scope or received event that breaks the shape rules (a server bug). */
  invalidScope: 'TSGI_PROTOCOL_ERR_INVALID_SCOPE',
  /** A well-formed event sent at the wrong time (body before start, anything after the end…). */
  unexpectedEvent: 'TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT',
  /** Response body longer than its `Content-Length`, or shorter when it ended. */
  contentLength: 'TSGI_PROTOCOL_ERR_CONTENT_LENGTH',
  /** The application returned before its response (or handshake answer) was complete. */
  incompleteResponse: 'TSGI_PROTOCOL_ERR_INCOMPLETE_RESPONSE',
  /** The application does not handle this scope type. */
  unsupportedScope: 'TSGI_PROTOCOL_ERR_UNSUPPORTED_SCOPE',
  /** The application reported `lifespan.startup.failed` or `lifespan.shutdown.failed`. */
  lifespanFailed: 'TSGI_PROTOCOL_ERR_LIFESPAN_FAILED',
} as const

/** One of the stable error codes in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/**
 * Base class of the errors of the contract itself (a {@link TSGIError} with an
 * {@link ErrorCode}): what the trackers and validators raise and the test client records as
 * violations, as opposed to the errors of a server, framework or adapter.
 */
export class ProtocolError<Code extends ErrorCode = ErrorCode> extends TSGIError<Code> {
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'ProtocolError'
  }
}

/**
 * Raised by `send()` once the client has gone away (the TSGI counterpart of ASGI's OSError).
 * An application may let it propagate: servers treat it as the normal end of the exchange.
 */
export class ClientDisconnectedError extends ProtocolError {
  constructor(message = 'the client disconnected', options?: ErrorOptions) {
    super(ErrorCode.clientDisconnected, message, options)
    this.name = 'ClientDisconnectedError'
  }
}

/** An event that breaks the shape rules of SPEC.md. `field` names the offending field. */
export class InvalidEventError extends ProtocolError {
  /** The event's `type`, or `undefined` when it had none. */
  readonly eventType: string | undefined
  /** Dotted path of the offending field, e.g. `headers[2][1]`. */
  readonly field: string

  constructor(eventType: string | undefined, field: string, problem: string) {
    super(ErrorCode.invalidEvent, `${eventType ?? 'event'}: ${field} ${problem}`)
    this.name = 'InvalidEventError'
    this.eventType = eventType
    this.field = field
  }
}

/**
 * A scope, or an event a server delivered through `receive()`, that breaks the shape rules of
 * SPEC.md. Raised by `validateScope` and `validateReceiveEvent`: a server bug.
 */
export class InvalidScopeError extends ProtocolError {
  /** Dotted path of the offending field, e.g. `scope.client.port`. */
  readonly field: string

  constructor(field: string, problem: string) {
    super(ErrorCode.invalidScope, `${field} ${problem}`)
    this.name = 'InvalidScopeError'
    this.field = field
  }
}

/** A well-formed event sent when the exchange's state does not allow it. */
export class UnexpectedEventError extends ProtocolError {
  /** The event's `type`. */
  readonly eventType: string
  /** The state the exchange was in (see SPEC.md, "Ordering"). */
  readonly state: string

  constructor(eventType: string, state: string, reason: string) {
    super(ErrorCode.unexpectedEvent, `${eventType} cannot be sent ${reason}`)
    this.name = 'UnexpectedEventError'
    this.eventType = eventType
    this.state = state
  }
}

/** The response body disagrees with the `Content-Length` the application declared. */
export class ContentLengthError extends ProtocolError {
  /** The declared length. */
  readonly declared: number
  /** The bytes sent (or attempted) so far. */
  readonly actual: number

  constructor(declared: number, actual: number) {
    super(
      ErrorCode.contentLength,
      actual > declared
        ? `response body exceeds its content-length: ${actual} bytes sent, ${declared} declared`
        : `response body ended short of its content-length: ${actual} of ${declared} bytes sent`,
    )
    this.name = 'ContentLengthError'
    this.declared = declared
    this.actual = actual
  }
}

/**
 * The application returned (or its call settled) before it finished the exchange: no
 * `http.response.start` at all (the server answers 500), or a response without its final body
 * (the server aborts the connection), or a WebSocket handshake left unanswered (500).
 */
export class IncompleteResponseError extends ProtocolError {
  /** What was missing. */
  readonly missing: 'start' | 'body' | 'handshake'

  constructor(missing: 'start' | 'body' | 'handshake') {
    super(
      ErrorCode.incompleteResponse,
      missing === 'start'
        ? 'the application returned without sending http.response.start'
        : missing === 'body'
          ? 'the application returned before the response body was complete'
          : 'the application returned without answering the websocket handshake',
    )
    this.name = 'IncompleteResponseError'
    this.missing = missing
  }
}

/**
 * Thrown by an application for a scope type it does not handle. Servers read it on the
 * lifespan scope as "this application has no lifespan support".
 */
export class UnsupportedScopeError extends ProtocolError {
  /** The scope type that was not handled. */
  readonly scopeType: string

  constructor(scopeType: string) {
    super(ErrorCode.unsupportedScope, `unsupported scope type: ${scopeType}`)
    this.name = 'UnsupportedScopeError'
    this.scopeType = scopeType
  }
}

/** The application reported a failed lifespan phase. `message` is the one it sent. */
export class LifespanFailedError extends ProtocolError {
  /** Which phase failed. */
  readonly phase: 'startup' | 'shutdown'

  constructor(phase: 'startup' | 'shutdown', message: string) {
    super(ErrorCode.lifespanFailed, `lifespan ${phase} failed${message ? `: ${message}` : ''}`)
    this.name = 'LifespanFailedError'
    this.phase = phase
  }
}

/**
 * Whether `error` is a client disconnect, whichever copy of this package created it.
 * Servers use it to keep disconnects out of their error logs.
 */
export function isClientDisconnected(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === ErrorCode.clientDisconnected
  )
}

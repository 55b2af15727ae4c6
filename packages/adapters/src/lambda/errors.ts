/**
 * Errors of the Lambda adapter, each with a stable `code`.
 *
 * @module
 */

/** Stable codes of {@link LambdaAdapterError}. */
export const LambdaAdapterErrorCode = {
  /** The invocation event is not an HTTP event of a known shape (or lacks a required field). */
  event: 'TSGI_ADAPTERS_ERR_LAMBDA_EVENT',
  /** `streaming: 'on'` was asked for, but the global `awslambda.streamifyResponse` is absent. */
  streaming: 'TSGI_ADAPTERS_ERR_LAMBDA_STREAMING',
} as const

/** One of the {@link LambdaAdapterErrorCode} values. */
export type LambdaAdapterErrorCode =
  (typeof LambdaAdapterErrorCode)[keyof typeof LambdaAdapterErrorCode]

/** An error raised by `toLambda` itself (not by the wrapped application). */
export class LambdaAdapterError extends Error {
  /** Stable, documented error code. */
  readonly code: LambdaAdapterErrorCode

  constructor(code: LambdaAdapterErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LambdaAdapterError'
    this.code = code
  }
}

/** A {@link LambdaAdapterError} for a malformed event. */
export function badEvent(message: string): LambdaAdapterError {
  return new LambdaAdapterError(LambdaAdapterErrorCode.event, `toLambda: ${message}`)
}

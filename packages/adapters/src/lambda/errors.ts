/**
 * Errors of the Lambda adapter, each with a stable `code`.
 *
 * @module
 */
import { TSGIError } from '@tsgi/protocol'

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

/** An error raised by `toLambda` itself (not by the wrapped application), a `TSGIError`. */
export class LambdaAdapterError extends TSGIError<LambdaAdapterErrorCode> {
  constructor(code: LambdaAdapterErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'LambdaAdapterError'
  }
}

/** A {@link LambdaAdapterError} for a malformed event. */
export function badEvent(message: string): LambdaAdapterError {
  return new LambdaAdapterError(LambdaAdapterErrorCode.event, `toLambda: ${message}`)
}

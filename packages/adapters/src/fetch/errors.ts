/**
 * Errors of the fetch adapters, each with a stable `code`.
 *
 * @module
 */
import { TSGIError } from '@tsgi/protocol'

/** Stable codes of {@link FetchAdapterError}. */
export const FetchAdapterErrorCode = {
  /** `fromFetch` was given something that is neither a function nor an object with a `fetch` method. */
  handler: 'TSGI_ADAPTERS_ERR_FETCH_HANDLER',
  /** The fetch handler resolved with something that is not a `Response` (or with `Response.error()`). */
  response: 'TSGI_ADAPTERS_ERR_FETCH_RESPONSE',
  /** A response body stream yielded a chunk that is not a `Uint8Array`. */
  bodyChunk: 'TSGI_ADAPTERS_ERR_FETCH_BODY_CHUNK',
  /** `toFetch` was given an option of the wrong type or range (the message names it). */
  option: 'TSGI_ADAPTERS_ERR_FETCH_OPTION',
} as const

/** One of the {@link FetchAdapterErrorCode} values. */
export type FetchAdapterErrorCode =
  (typeof FetchAdapterErrorCode)[keyof typeof FetchAdapterErrorCode]

/** An error raised by `fromFetch` / `toFetch` itself (not by the wrapped app), a `TSGIError`. */
export class FetchAdapterError extends TSGIError<FetchAdapterErrorCode> {
  constructor(code: FetchAdapterErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'FetchAdapterError'
  }
}

/**
 * Errors the server raises itself, with stable codes (README, "Errors").
 *
 * @module
 */

/** Stable codes of the server's own errors. */
export const ServerErrorCode = {
  /** An option has a value the server cannot use (CLI exit code 2). */
  badOption: 'TSGI_SERVER_ERR_OPTION',
  /** The target module could not be loaded, or does not export an application (exit code 1). */
  load: 'TSGI_SERVER_ERR_LOAD',
  /** Lifespan startup failed (exit code 3). */
  startup: 'TSGI_SERVER_ERR_STARTUP',
  /** Lifespan shutdown failed (exit code 3). */
  shutdown: 'TSGI_SERVER_ERR_SHUTDOWN',
} as const

/** One of {@link ServerErrorCode}. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode]

/** An error raised by the server, not by the application. */
export class ServerError extends Error {
  /** Stable error code. */
  readonly code: ServerErrorCode

  constructor(code: ServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ServerError'
    this.code = code
  }
}

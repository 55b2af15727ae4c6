/**
 * Errors the server raises itself, with stable codes (README, "Errors"; docs/errors.md).
 *
 * @module
 */
import { TSGIError } from '@tsgi/protocol'

/** Stable codes of the server's own errors. */
export const ServerErrorCode = {
  /** An option has a value the server cannot use, or the address cannot be bound (CLI exit code 2). */
  badOption: 'TSGI_SERVER_ERR_OPTION',
  /** The target module could not be loaded, or does not export an application (exit code 1). */
  load: 'TSGI_SERVER_ERR_LOAD',
  /** Lifespan startup failed (exit code 3). */
  startup: 'TSGI_SERVER_ERR_STARTUP',
  /** Lifespan shutdown failed (exit code 3). */
  shutdown: 'TSGI_SERVER_ERR_SHUTDOWN',
  /**
   * `serve()` was aborted through its `signal` before it listened: it did not listen (or closed
   * at once) and ran the lifespan shutdown (CLI: a signal during startup, exit code 0).
   */
  aborted: 'TSGI_SERVER_ERR_ABORTED',
} as const

/** One of {@link ServerErrorCode}. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode]

/** Options of the {@link ServerError} constructor. */
export interface ServerErrorOptions extends ErrorOptions {
  /** The option at fault (a `ServerOptions` key), for `TSGI_SERVER_ERR_OPTION`. */
  option?: string
}

/** An error raised by the server, not by the application (a {@link TSGIError}). */
export class ServerError extends TSGIError<ServerErrorCode> {
  /**
   * The option at fault (a `ServerOptions` key such as `maxHeaderSize`) when the code is
   * `TSGI_SERVER_ERR_OPTION`; the message then reads `invalid option <option>: <why>`, which
   * the CLI rewrites with the flag's name (`--max-header-size`).
   */
  readonly option: string | undefined

  constructor(code: ServerErrorCode, message: string, options?: ServerErrorOptions) {
    super(code, message, options)
    this.name = 'ServerError'
    this.option = options?.option
  }
}

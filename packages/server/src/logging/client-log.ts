/**
 * WARN lines about bad client input, rate-limited: a client that sends garbage in a loop must
 * not turn the log into the bottleneck or bury everything else. At most
 * {@link CLIENT_LOG_BURST} lines per second per logger (one per server); lines past that are
 * counted and reported once when the second is over:
 * `client errors: suppressed 37 lines in the last second`.
 *
 * @module
 */
import type { Logger } from './logger.ts'

/** Client-error lines written per second before the rest are suppressed. */
export const CLIENT_LOG_BURST = 20
const WINDOW_MS = 1000

class ClientErrorLog {
  private readonly logger: Logger
  private windowStart = 0
  private written = 0
  private suppressed = 0
  private timer: NodeJS.Timeout | null = null

  constructor(logger: Logger) {
    this.logger = logger
  }

  warn(message: string): void {
    const now = Date.now()
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now
      this.written = 0
    }
    if (this.written < CLIENT_LOG_BURST) {
      this.written++
      this.logger.warn(message)
      return
    }
    this.suppressed++
    if (this.timer === null) {
      this.timer = setTimeout(() => this.report(), this.windowStart + WINDOW_MS - now)
      this.timer.unref()
    }
  }

  private report(): void {
    this.timer = null
    const count = this.suppressed
    this.suppressed = 0
    this.logger.warn(
      `client errors: suppressed ${count} line${count === 1 ? '' : 's'} in the last second`,
    )
  }
}

const logs = new WeakMap<Logger, ClientErrorLog>()

/**
 * Writes a WARN line about a client's bad input through `logger`, rate-limited per logger.
 * Callers check `logger.enabled('warn')` first when the message is costly to build.
 */
export function warnClientError(logger: Logger, message: string): void {
  let log = logs.get(logger)
  if (log === undefined) {
    log = new ClientErrorLog(logger)
    logs.set(logger, log)
  }
  log.warn(message)
}

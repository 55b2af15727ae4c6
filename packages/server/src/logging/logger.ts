/**
 * Logging: readable lines on stderr, access lines on stdout. Access lines are batched and
 * written once per event-loop turn so that logging never becomes the bottleneck.
 *
 * @module
 */

/** Log levels, from the quietest. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

/** Where the server's log lines go. Replace it to send them elsewhere. */
export interface Logger {
  /** Whether lines of this level are written (lets callers skip building them). */
  enabled(level: LogLevel): boolean
  /** A server or application error; `error` adds its stack. */
  error(message: string, error?: unknown): void
  /** Something the operator should look at. */
  warn(message: string): void
  /** Start, stop, and other milestones. */
  info(message: string): void
  /** Details for debugging. */
  debug(message: string): void
  /** One access line (already formatted), when access logging is on. */
  access(line: string): void
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 }
const LABEL: Record<LogLevel, string> = {
  error: 'ERROR',
  warn: 'WARN ',
  info: 'INFO ',
  debug: 'DEBUG',
}

/** Text of an error with its stack (or its string form for non-errors). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`
  return String(error)
}

/** A writable sink: `process.stdout`, `process.stderr`, or anything with `write(string)`. */
export interface Sink {
  write(text: string): unknown
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel
  /** Whether access lines are written. Default `true`. */
  accessLog?: boolean
  /** Sink for log lines. Default `process.stderr`. */
  stderr?: Sink
  /** Sink for access lines. Default `process.stdout`. */
  stdout?: Sink
  /**
   * Written after the level on every log line (not on access lines, whose format tools parse),
   * to tell processes apart: `--workers` uses `[worker 2 pid 1234]` and `[primary pid 1233]`.
   */
  prefix?: string
}

/** Creates the default logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const rank = RANK[options.level ?? 'info']
  const accessOn = options.accessLog ?? true
  const err = options.stderr ?? process.stderr
  const out = options.stdout ?? process.stdout
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    const text = pending
    pending = ''
    out.write(text)
  }
  const tag = options.prefix ? `${options.prefix} ` : ''
  const line = (level: LogLevel, message: string) => {
    if (RANK[level] <= rank) err.write(`${LABEL[level]} ${tag}${message}\n`)
  }
  return {
    enabled: (level) => RANK[level] <= rank,
    error: (message, error) =>
      line('error', error === undefined ? message : `${message}\n${describeError(error)}`),
    warn: (message) => line('warn', message),
    info: (message) => line('info', message),
    debug: (message) => line('debug', message),
    access(text) {
      if (!accessOn || rank < RANK.info) return
      pending += `${text}\n`
      if (pending.length > 65536) flush()
      else if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
  }
}

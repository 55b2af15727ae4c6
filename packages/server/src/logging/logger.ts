/**
 * Logging: log lines on stderr, access lines on stdout, as text or JSON (see `format.ts`).
 * Access lines are batched and written once per event-loop turn so that logging never becomes
 * the bottleneck.
 *
 * @module
 */
import { ServerError, ServerErrorCode } from '../errors.ts'
import {
  type AccessEntry,
  epochClock,
  isoClock,
  jsonAccessLine,
  jsonFixed,
  jsonLine,
  LOG_FORMATS,
  type LogFields,
  type LogFormat,
  type LogLevel,
} from './format.ts'

export type { AccessEntry, LogFields, LogFormat, LogLevel }

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
  /**
   * One finished request, when access logging is on: `line` is its text access line
   * (`127.0.0.1:51234 - "GET /x HTTP/1.1" 200 17B 0.4ms`); the server also passes its fields as
   * `entry`, which the `json` format writes one by one.
   */
  access(line: string, entry?: AccessEntry): void
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
  /** `text` (default) or `json`: one JSON object per line, with pino's field names. */
  format?: LogFormat
  /**
   * `text` only: start every line, access lines included, with the UTC time
   * (`2026-01-31T12:00:00.123Z`). Default `false`. JSON records always carry `time`.
   */
  time?: boolean
  /**
   * `text` only: written after the level on every log line (not on access lines, whose format
   * tools parse), to tell processes apart: `--workers` uses `[worker 2 pid 1234]` and
   * `[primary pid 1233]`.
   */
  prefix?: string
  /**
   * `json` only: added to every record, access lines included, after `pid` (the structured
   * form of `prefix`: `--workers` adds `{ role: 'worker', worker: 2 }` or `{ role: 'primary' }`).
   * Keys other than the record's own (`level`, `time`, `pid`, `msg`, `err` and the access fields).
   */
  fields?: LogFields
}

/**
 * Creates the default logger. Throws a `ServerError` (`TSGI_SERVER_ERR_OPTION`) for a `format`
 * other than `text` or `json`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'text'
  if (!LOG_FORMATS.includes(format)) {
    throw new ServerError(
      ServerErrorCode.badOption,
      `invalid option format: expected text or json, got ${JSON.stringify(format)}`,
      { option: 'format' },
    )
  }
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
  const push = (text: string) => {
    pending += text
    if (pending.length > 65536) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
  let write: (level: LogLevel, message: string, error?: unknown) => void
  let access: (line: string, entry?: AccessEntry) => void
  if (format === 'json') {
    const fixed = jsonFixed(options.fields)
    const clock = epochClock()
    write = (level, message, error) =>
      err.write(jsonLine(level, clock(Date.now()), fixed, message, error))
    access = (line, entry) => push(jsonAccessLine(clock(Date.now()), fixed, line, entry))
  } else {
    const tag = options.prefix ? `${options.prefix} ` : ''
    const clock = options.time === true ? isoClock() : undefined
    const stamp = clock === undefined ? () => '' : () => `${clock(Date.now())} `
    write = (level, message, error) =>
      err.write(
        `${stamp()}${LABEL[level]} ${tag}${error === undefined ? message : `${message}\n${describeError(error)}`}\n`,
      )
    access =
      clock === undefined ? (line) => push(`${line}\n`) : (line) => push(`${stamp()}${line}\n`)
  }
  const line = (level: LogLevel, message: string, error?: unknown) => {
    if (RANK[level] <= rank) write(level, message, error)
  }
  return {
    enabled: (level) => RANK[level] <= rank,
    error: (message, error) => line('error', message, error),
    warn: (message) => line('warn', message),
    info: (message) => line('info', message),
    debug: (message) => line('debug', message),
    access(text, entry) {
      if (accessOn && rank >= RANK.info) access(text, entry)
    },
  }
}

/**
 * How a log or access line is written: `text` (readable, optionally timestamped) or `json` (one
 * object per line with pino's field names, so that pino-pretty and collectors that know pino
 * read it). Kept apart from the logger so that the hot path — one access line per request —
 * is a few string concatenations and nothing else.
 *
 * @module
 */

/** Log levels, from the quietest. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

/** `text`: `LEVEL message` lines; `json`: one JSON object per line. */
export type LogFormat = 'text' | 'json'

/** The formats, for validation and messages. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json']

/** One finished HTTP request, as its access line reports it (the `json` format writes each field). */
export interface AccessEntry {
  /** `host:port` of the client (the forwarded one with `proxyHeaders`), or `null` when unknown. */
  client: string | null
  /** The request method. */
  method: string
  /** The request target as received: the raw path and `?query` if there is one. */
  path: string
  /** `1.0`, `1.1`… */
  httpVersion: string
  /** The status sent, or `null` when no response head was written. */
  status: number | null
  /** Body bytes sent. */
  bytes: number
  /** Milliseconds from the request to the end of its response. */
  duration: number
  /** The client left before the response was complete. */
  disconnected: boolean
}

/** The text access line of a request: `127.0.0.1:51234 - "GET /x HTTP/1.1" 200 17B 0.4ms`. */
export function formatAccessLine(entry: AccessEntry): string {
  const gone = entry.disconnected ? ' (client disconnected)' : ''
  return `${entry.client ?? '-'} - "${entry.method} ${entry.path} HTTP/${entry.httpVersion}" ${entry.status ?? '-'} ${entry.bytes}B ${entry.duration.toFixed(1)}ms${gone}`
}

/** pino's numeric levels, which pino-pretty and log collectors that know pino map to names. */
export const JSON_LEVEL: Record<LogLevel, number> = { error: 50, warn: 40, info: 30, debug: 20 }

/** Extra fields of every JSON record (`--workers` adds `role` and `worker`). */
export type LogFields = Readonly<Record<string, string | number | boolean>>

/** `,"pid":1234,"role":"worker","worker":2`: the part of a JSON record that never changes. */
export function jsonFixed(fields: LogFields | undefined): string {
  let text = `,"pid":${process.pid}`
  for (const [key, value] of Object.entries(fields ?? {}))
    text += `,${JSON.stringify(key)}:${JSON.stringify(value)}`
  return text
}

/** pino's `err` object: `{"type":"Error","message":"boom","stack":"Error: boom\n at …"}`. */
function jsonError(error: unknown): string {
  if (!(error instanceof Error))
    return JSON.stringify({ type: typeof error, message: String(error) })
  const stack = error.stack ?? `${error.name}: ${error.message}`
  return JSON.stringify({ type: error.name, message: error.message, stack })
}

/** A JSON log line: `{"level":30,"time":…,"pid":…,"msg":"…"}` and `err` when an error is given. */
export function jsonLine(
  level: LogLevel,
  time: string,
  fixed: string,
  message: string,
  error?: unknown,
): string {
  const err = error === undefined ? '' : `,"err":${jsonError(error)}`
  return `{"level":${JSON_LEVEL[level]},"time":${time}${fixed},"msg":${JSON.stringify(message)}${err}}\n`
}

/** Printable ASCII but `"` and `\`: what needs no escaping inside a JSON string. */
const PLAIN = /^[ !#-[\]-~]*$/

/**
 * `JSON.stringify` of a string, without its cost for the usual case: a short string with
 * nothing to escape (a method, an address, most paths) is only quoted, about six times faster.
 */
function quote(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text)
}

/**
 * `0.412`: milliseconds to the microsecond, from integers (a fraction's shortest decimal form
 * costs five times more, and the microsecond is plenty).
 */
function milliseconds(ms: number): string {
  const us = Math.round(ms * 1000)
  const frac = us % 1000
  return `${(us - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`
}

/** A JSON access line: the text line as `msg`, then each field of the entry. */
export function jsonAccessLine(
  time: string,
  fixed: string,
  line: string,
  entry: AccessEntry | undefined,
): string {
  const head = `{"level":30,"time":${time}${fixed},"msg":${JSON.stringify(line)}`
  if (entry === undefined) return `${head}}\n`
  const e = entry
  return `${head},"client":${e.client === null ? 'null' : quote(e.client)},"method":${quote(e.method)},"path":${quote(e.path)},"httpVersion":${quote(e.httpVersion)},"status":${e.status},"bytes":${e.bytes},"duration":${milliseconds(e.duration)},"disconnected":${e.disconnected}}\n`
}

/**
 * A clock that renders `Date.now()` and keeps the text for the millisecond it names: under load
 * many lines share it, and rendering is the costly part (even `String(now)`: the number is too
 * big for a small integer).
 */
function cachedClock(render: (now: number) => string): (now: number) => string {
  let last = -1
  let text = ''
  return (now) => {
    if (now !== last) {
      last = now
      text = render(now)
    }
    return text
  }
}

/**
 * `2026-01-31T12:00:00.123Z`: the time at the start of a text line with `logTime`, in UTC so
 * that lines of machines in different zones sort together.
 */
export function isoClock(): (now: number) => string {
  return cachedClock((now) => new Date(now).toISOString())
}

/** `1769860800123`: the `time` of a JSON record, epoch milliseconds as pino writes it. */
export function epochClock(): (now: number) => string {
  return cachedClock(String)
}

/**
 * Raw-socket HTTP for the suite: send exact bytes, read exactly what comes back, and parse it
 * strictly: every response must start with `HTTP/1.x NNN ` exactly where the previous one
 * ended, so a stray byte (a body after a HEAD, 204 or 304 response, say) fails the parse.
 *
 * @module
 */
import { connect, type Socket } from 'node:net'

/** A parsed HTTP/1.x response. */
export interface WireResponse {
  status: number
  statusLine: string
  headers: Array<[string, string]>
  body: Buffer
  /** Whether the body was chunked, and its trailers. */
  chunked: boolean
  trailers: Array<[string, string]>
  /** Whether the bytes ended before the body was complete. */
  truncated: boolean
}

/** What a raw exchange returned. */
export interface WireResult {
  raw: Buffer
  /** The connection was closed by the server (or reset). */
  closed: boolean
  reset: boolean
}

/** Bytes that are not a well-formed HTTP/1.x response where one must be. */
export class WireParseError extends Error {
  /** Where in the bytes the problem is. */
  readonly offset: number
  constructor(message: string, raw: Buffer, offset: number) {
    const excerpt = JSON.stringify(raw.subarray(offset, offset + 60).toString('latin1'))
    super(`${message} at byte ${offset}: ${excerpt}`)
    this.name = 'WireParseError'
    this.offset = offset
  }
}

/**
 * Writes `pieces` in order (each after the previous one was handed to the kernel) and collects
 * bytes until the server closes, `until` holds, or `timeout` ms pass (a deadline, not a wait:
 * most exchanges end with the server closing the connection).
 */
export function exchange(
  port: number,
  host: string,
  pieces: Array<string | Buffer>,
  opts: { timeout?: number; until?: (raw: Buffer) => boolean } = {},
): Promise<WireResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, host)
    const chunks: Buffer[] = []
    let reset = false
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ raw: Buffer.concat(chunks), closed, reset })
    }
    const timer = setTimeout(() => finish(false), opts.timeout ?? 5000)
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      if (opts.until?.(Buffer.concat(chunks))) finish(false)
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') reset = true
    })
    socket.on('close', () => finish(true))
    socket.on('connect', async () => {
      for (const piece of pieces) {
        if (socket.destroyed) return
        await new Promise((r) => socket.write(piece, r))
      }
    })
  })
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d) [^\r\n]*$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Any prefix of a status line: what an incomplete last head may look like (a read can end
// between the line's CR and its LF).
const STATUS_PREFIX = /^H(T(T(P(\/(1(\.([01]( ([1-5](\d(\d( [^\r\n]*\r?)?)?)?)?)?)?)?)?)?)?)?)?$/

function fields(raw: Buffer, from: number, to: number): Array<[string, string]> {
  const out: Array<[string, string]> = []
  let at = from
  while (at < to) {
    let end = raw.indexOf('\r\n', at)
    if (end === -1 || end > to) end = to
    const line = raw.subarray(at, end).toString('latin1')
    const colon = line.indexOf(':')
    const name = line.slice(0, colon)
    if (colon <= 0 || !TOKEN.test(name)) throw new WireParseError('not a header line', raw, at)
    out.push([name.toLowerCase(), line.slice(colon + 1).trim()])
    at = end + 2
  }
  return out
}

/** Reads a chunked body at `at`; returns the body, trailers, where it ended, and truncation. */
function chunkedBody(raw: Buffer, start: number) {
  const parts: Buffer[] = []
  const trailers: Array<[string, string]> = []
  let at = start
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at)
    if (lineEnd === -1) return { parts, trailers, at: raw.length, truncated: true }
    const line = raw.subarray(at, lineEnd).toString('latin1')
    const m = /^([0-9a-fA-F]{1,15})(;[^\r\n]*)?$/.exec(line)
    if (m === null) throw new WireParseError('not a chunk-size line', raw, at)
    const size = Number.parseInt(m[1]!, 16)
    at = lineEnd + 2
    if (size === 0) {
      // Trailer fields, then the empty line.
      const end = raw.indexOf('\r\n\r\n', at - 2)
      if (end === -1) return { parts, trailers, at: raw.length, truncated: true }
      if (end > at - 2) trailers.push(...fields(raw, at, end))
      return { parts, trailers, at: end + 4, truncated: false }
    }
    parts.push(raw.subarray(at, Math.min(raw.length, at + size)))
    const crlf = raw.subarray(at + size, at + size + 2).toString('latin1')
    if (!'\r\n'.startsWith(crlf))
      throw new WireParseError('chunk data not followed by CRLF', raw, at + size)
    if (crlf.length < 2) return { parts, trailers, at: raw.length, truncated: true }
    at += size + 2
  }
}

/**
 * Parses the responses in `raw` (pipelined ones too), strictly: each must begin exactly where
 * the previous one ended, with `HTTP/1.x NNN `. `head[i]` marks the i-th as the answer to a
 * HEAD request (no body). Parsing stops after a `101` (what follows is another protocol).
 * Incomplete trailing bytes are allowed only if they can still become a response (or end a
 * body: the last response is then `truncated`). Throws {@link WireParseError} otherwise.
 */
export function parseResponses(raw: Buffer, head: boolean[] = []): WireResponse[] {
  const out: WireResponse[] = []
  let at = 0
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at)
    const firstLineEnd = raw.indexOf('\r\n', at)
    const statusLine = raw
      .subarray(at, firstLineEnd === -1 ? raw.length : firstLineEnd)
      .toString('latin1')
    if (end === -1) {
      if (firstLineEnd === -1 ? STATUS_PREFIX.test(statusLine) : STATUS_LINE.test(statusLine)) break
      throw new WireParseError('bytes that do not start a response', raw, at)
    }
    const m = STATUS_LINE.exec(statusLine)
    if (m === null) throw new WireParseError('bytes that do not start a response', raw, at)
    const status = Number(m[1])
    const headers = firstLineEnd < end ? fields(raw, firstLineEnd + 2, end) : []
    at = end + 4
    const get = (n: string) => headers.filter(([k]) => k === n).map(([, v]) => v)
    const base = { status, statusLine, headers, chunked: false, trailers: [] }
    if (status < 200) {
      out.push({ ...base, body: Buffer.alloc(0), truncated: false })
      if (status === 101) break
      continue
    }
    if (head[out.length] === true || status === 204 || status === 304) {
      out.push({ ...base, body: Buffer.alloc(0), truncated: false })
      continue
    }
    const te = get('transfer-encoding').join(',')
    const lengths = new Set(get('content-length').flatMap((v) => v.split(/\s*,\s*/)))
    if (/(^|,)\s*chunked\s*$/i.test(te)) {
      const c = chunkedBody(raw, at)
      const body = Buffer.concat(c.parts)
      out.push({ ...base, chunked: true, trailers: c.trailers, body, truncated: c.truncated })
      at = c.at
    } else if (lengths.size > 0) {
      const [length] = [...lengths]
      if (lengths.size > 1 || !/^\d+$/.test(length!))
        throw new WireParseError(`invalid content-length ${[...lengths].join(', ')}`, raw, at)
      const body = raw.subarray(at, at + Number(length))
      out.push({ ...base, body, truncated: body.length < Number(length) })
      at += Number(length)
    } else {
      // Close-delimited: the rest of the bytes.
      out.push({ ...base, body: raw.subarray(at), truncated: false })
      at = raw.length
    }
  }
  return out
}

/** A simple GET on a raw socket, with `Connection: close`. */
export function get(path: string, host = 'h', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`
}

/**
 * A small, strict parser for the HTTP/1.1 response that a real `http.ServerResponse` writes
 * into the virtual socket: the status line and headers, then the body as framed by node
 * (`content-length`, `transfer-encoding: chunked` with trailers, or no body for HEAD/204/304).
 *
 * Why parse bytes instead of overriding `writeHead`/`_send`/`_writeRaw` on the instance:
 * those are node internals whose shapes change between releases, and Express swaps the
 * response's prototype, so instance patches fight Express's. The serialized bytes are the one
 * stable interface of `ServerResponse` (srvx, serverless-http and light-my-request do the
 * same). The parser only ever sees what node itself produced, so it can be strict: anything
 * unexpected is a bug, reported as {@link ResponseParseError}, never guessed around.
 *
 * @module
 */
import { type HeaderList, TSGIError } from '@tsgi/protocol'
import { NodeAdapterErrorCode } from './errors.ts'

/** What the parser found in the bytes fed to it, in order. */
export type ParsedPart =
  | { kind: 'head'; status: number; headers: HeaderList }
  | { kind: 'body'; body: Uint8Array }
  | { kind: 'end'; trailers: HeaderList }

/** The response bytes written by `ServerResponse` could not be parsed (a bug, not user input). */
export class ResponseParseError extends TSGIError<typeof NodeAdapterErrorCode.responseParse> {
  constructor(message: string) {
    super(NodeAdapterErrorCode.responseParse, `node response: ${message}`)
    this.name = 'ResponseParseError'
  }
}

type State = 'head' | 'length' | 'raw' | 'size' | 'data' | 'data-crlf' | 'trailers' | 'done'

const CRLF2 = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')
const EMPTY = Buffer.alloc(0)

/**
 * The `name: value` lines of `text` from offset `from` (CRLF-separated, no final CRLF).
 * indexOf loops rather than split and a regex per line: this runs for every response.
 */
function parseFields(text: string, from: number): HeaderList {
  const headers: HeaderList = []
  let start = from
  while (start < text.length) {
    let end = text.indexOf('\r\n', start)
    if (end === -1) end = text.length
    const colon = text.indexOf(':', start)
    if (colon <= start || colon >= end) {
      const line = text.slice(start, end)
      throw new ResponseParseError(`malformed header line ${JSON.stringify(line)}`)
    }
    headers.push([text.slice(start, colon).trim(), text.slice(colon + 1, end).trim()])
    start = end + 2
  }
  return headers
}

/** Encodings node writes a head in (alone as latin1, or prepended to a utf8/latin1 body). */
const HEAD_ENCODINGS = new Set(['latin1', 'binary', 'ascii', 'utf8', 'utf-8'])

/** Parses one response, fed in pieces as node writes it. */
export class ResponseParser {
  private state: State = 'head'
  private pending: Buffer = EMPTY
  private remaining = 0
  private readonly head: boolean
  private interimStatus: number | null = null

  /** @param method the request method: a `HEAD` response has no body whatever its headers say. */
  constructor(method: string) {
    this.head = method === 'HEAD'
  }

  /** `true` once the response is complete (its end was parsed or {@link finish} was called). */
  get done(): boolean {
    return this.state === 'done'
  }

  /** The last informational (1xx) status seen while no final head came yet, else `null`. */
  get interim(): number | null {
    return this.state === 'head' ? this.interimStatus : null
  }

  /**
   * Parses a string node wrote with `encoding`. The head is read from the string itself (node
   * prepends it to a string body), so the bytes are never made only to be decoded again; the
   * rest is encoded as the socket would have, into memory nobody else holds.
   */
  feedString(chunk: string, encoding: BufferEncoding): ParsedPart[] {
    if (this.state === 'head' && this.pending.length === 0 && HEAD_ENCODINGS.has(encoding)) {
      const end = chunk.indexOf('\r\n\r\n')
      if (end !== -1) {
        const out: ParsedPart[] = []
        this.onHead(chunk.slice(0, end), out)
        if (chunk.length === end + 4) return out
        const rest = this.feed(Buffer.from(chunk.slice(end + 4), encoding), true)
        for (const part of rest) out.push(part)
        return out
      }
    }
    return this.feed(Buffer.from(chunk, encoding), true)
  }

  /**
   * Parses `chunk`; returns the parts it completed. Throws {@link ResponseParseError}.
   * Body parts are copies unless `owned` (the chunk's memory is the parser's to hand on): node
   * may reuse a written buffer's memory once the write callback ran.
   */
  feed(chunk: Buffer, owned = false): ParsedPart[] {
    const out: ParsedPart[] = []
    let buf = chunk
    if (this.pending.length > 0) {
      // The concatenation is new memory: ours to hand on.
      buf = Buffer.concat([this.pending, chunk])
      owned = true
    }
    this.pending = EMPTY
    while (buf.length > 0) {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(CRLF2)
          if (end === -1) return this.keep(buf, out)
          this.onHead(buf.toString('latin1', 0, end), out)
          buf = buf.subarray(end + 4)
          break
        }
        case 'length': {
          const n = Math.min(this.remaining, buf.length)
          out.push({ kind: 'body', body: this.body(buf.subarray(0, n), owned) })
          this.remaining -= n
          buf = buf.subarray(n)
          if (this.remaining === 0) this.end(out, [])
          break
        }
        case 'raw':
          out.push({ kind: 'body', body: this.body(buf, owned) })
          buf = EMPTY
          break
        case 'size': {
          const end = buf.indexOf(CRLF)
          if (end === -1) return this.keep(buf, out)
          const line = buf.subarray(0, end).toString('latin1')
          const size = /^[0-9a-fA-F]{1,15}(?=;|$)/.exec(line)
          if (size === null) throw new ResponseParseError(`bad chunk size ${JSON.stringify(line)}`)
          this.remaining = Number.parseInt(size[0], 16)
          this.state = this.remaining === 0 ? 'trailers' : 'data'
          buf = buf.subarray(end + 2)
          break
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length)
          out.push({ kind: 'body', body: this.body(buf.subarray(0, n), owned) })
          this.remaining -= n
          buf = buf.subarray(n)
          if (this.remaining === 0) this.state = 'data-crlf'
          break
        }
        case 'data-crlf':
          if (buf.length < 2) return this.keep(buf, out)
          if (buf[0] !== 13 || buf[1] !== 10) throw new ResponseParseError('chunk without CRLF')
          buf = buf.subarray(2)
          this.state = 'size'
          break
        case 'trailers': {
          if (buf.length >= 2 && buf[0] === 13 && buf[1] === 10) {
            buf = buf.subarray(2)
            this.end(out, [])
            break
          }
          const end = buf.indexOf(CRLF2)
          if (end === -1) return this.keep(buf, out)
          this.end(out, parseFields(buf.toString('latin1', 0, end), 0))
          buf = buf.subarray(end + 4)
          break
        }
        case 'done':
          throw new ResponseParseError(`${buf.length} bytes written after the response ended`)
      }
    }
    return out
  }

  /**
   * The response object finished: ends a body that had no framing of its own (node writes
   * none when the app removed both `content-length` and `transfer-encoding`). Returns the end
   * part, or `null` when the framing already ended the response or the head never came.
   */
  finish(): ParsedPart | null {
    if (this.state === 'done' || this.state === 'head') return null
    this.state = 'done'
    return { kind: 'end', trailers: [] }
  }

  private body(part: Buffer, owned: boolean): Buffer {
    return owned ? part : Buffer.from(part)
  }

  private keep(buf: Buffer, out: ParsedPart[]): ParsedPart[] {
    // Copy: node may reuse the chunk's memory once the write callback ran.
    this.pending = Buffer.from(buf)
    return out
  }

  private end(out: ParsedPart[], trailers: HeaderList): void {
    this.state = 'done'
    out.push({ kind: 'end', trailers })
  }

  private onHead(text: string, out: ParsedPart[]): void {
    // `HTTP/1.x NNN` then a space or the end of the line: node's own status line.
    let lineEnd = text.indexOf('\r\n')
    if (lineEnd === -1) lineEnd = text.length
    const code = statusOf(text, lineEnd)
    if (code === -1)
      throw new ResponseParseError(`bad status line ${JSON.stringify(text.slice(0, lineEnd))}`)
    // Interim responses (writeContinue, writeProcessing, writeEarlyHints) are the server's.
    if (code < 200) {
      this.interimStatus = code
      return
    }
    const headers = parseFields(text, lineEnd + 2)
    out.push({ kind: 'head', status: code, headers })
    let chunked = false
    let length: number | null = null
    for (const [name, value] of headers) {
      // Only names of these two lengths can frame; skips lowercasing every other field.
      if (name.length !== 17 && name.length !== 14) continue
      const lower = name.toLowerCase()
      if (lower === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value)
      else if (lower === 'content-length') length = Number(value)
    }
    if (this.head || code === 204 || code === 304) this.end(out, [])
    else if (chunked) this.state = 'size'
    else if (length !== null && Number.isSafeInteger(length)) {
      this.remaining = length
      this.state = 'length'
      if (length === 0) this.end(out, [])
    } else this.state = 'raw'
  }
}

/** The status of a `HTTP/1.0 NNN` or `HTTP/1.1 NNN` line ending at `end` (then a space), or -1. */
function statusOf(text: string, end: number): number {
  if (end < 12 || !text.startsWith('HTTP/1.') || (text[7] !== '0' && text[7] !== '1')) return -1
  if (text[8] !== ' ' || (end > 12 && text[12] !== ' ')) return -1
  let code = 0
  for (let i = 9; i < 12; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    code = code * 10 + digit
  }
  return code
}

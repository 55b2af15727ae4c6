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
import type { HeaderList } from '@tsgi/protocol'

/** What the parser found in the bytes fed to it, in order. */
export type ParsedPart =
  | { kind: 'head'; status: number; headers: HeaderList }
  | { kind: 'body'; body: Uint8Array }
  | { kind: 'end'; trailers: HeaderList }

/** The response bytes written by `ServerResponse` could not be parsed (a bug, not user input). */
export class ResponseParseError extends Error {
  /** Stable code. */
  readonly code = 'TSGI_ADAPTERS_ERR_RESPONSE_PARSE'

  constructor(message: string) {
    super(`node response: ${message}`)
    this.name = 'ResponseParseError'
  }
}

type State = 'head' | 'length' | 'raw' | 'size' | 'data' | 'data-crlf' | 'trailers' | 'done'

const CRLF2 = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')
const EMPTY = Buffer.alloc(0)

function parseFields(lines: string[], from: number): HeaderList {
  const headers: HeaderList = []
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] as string
    const colon = line.indexOf(':')
    if (colon <= 0) throw new ResponseParseError(`malformed header line ${JSON.stringify(line)}`)
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()])
  }
  return headers
}

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

  /** Parses `chunk`; returns the parts it completed. Throws {@link ResponseParseError}. */
  feed(chunk: Buffer): ParsedPart[] {
    const out: ParsedPart[] = []
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = EMPTY
    while (buf.length > 0) {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(CRLF2)
          if (end === -1) return this.keep(buf, out)
          this.onHead(buf.subarray(0, end).toString('latin1'), out)
          buf = buf.subarray(end + 4)
          break
        }
        case 'length': {
          const n = Math.min(this.remaining, buf.length)
          out.push({ kind: 'body', body: buf.subarray(0, n) })
          this.remaining -= n
          buf = buf.subarray(n)
          if (this.remaining === 0) this.end(out, [])
          break
        }
        case 'raw':
          out.push({ kind: 'body', body: buf })
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
          out.push({ kind: 'body', body: buf.subarray(0, n) })
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
          this.end(out, parseFields(buf.subarray(0, end).toString('latin1').split('\r\n'), 0))
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
    const lines = text.split('\r\n')
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] as string)
    if (status === null) throw new ResponseParseError(`bad status line ${JSON.stringify(lines[0])}`)
    const code = Number(status[1])
    // Interim responses (writeContinue, writeProcessing, writeEarlyHints) are the server's.
    if (code < 200) {
      this.interimStatus = code
      return
    }
    const headers = parseFields(lines, 1)
    out.push({ kind: 'head', status: code, headers })
    let chunked = false
    let length: number | null = null
    for (const [name, value] of headers) {
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

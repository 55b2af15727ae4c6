/**
 * The request body, streamed straight from `receive()`: a limit enforced while streaming (413
 * as soon as it is passed, nothing more buffered), a cache so it can be read again, and
 * parsers (text with the charset of its content-type, JSON safe against prototype poisoning,
 * urlencoded forms). An empty body never hangs: it reads as no body.
 *
 * @module
 */
import { ClientDisconnectedError, type Receive, type ReceiveEvent } from '@tsgi/protocol'
import { BadRequestError, ContentTooLargeError, FrameworkErrorCode } from './errors.ts'
import { parseQuery, type Query } from './query.ts'

const EMPTY = new Uint8Array(0)
/** A streamed body up to this size is kept, so it can be read again after streaming. */
const REPLAY_MAX = 1024 * 1024

/** Reads one request's body. */
export class BodyReader {
  private readonly receive: Receive
  /** Largest body in bytes; a route may change it before reading starts. */
  limit: number
  private readonly declared: number
  private cached: Uint8Array | null = null
  private streaming = false
  /** Whether every body event has been received (so `receive()` now only yields disconnects). */
  done = false

  /**
   * @param receive The application's `receive`.
   * @param limit Largest body in bytes.
   * @param declared The request's Content-Length, or -1.
   */
  constructor(receive: Receive, limit: number, declared: number) {
    this.receive = receive
    this.limit = limit
    this.declared = declared
  }

  private tooLarge(): never {
    throw new ContentTooLargeError(`request body exceeds the limit of ${this.limit} bytes`, {
      code: FrameworkErrorCode.bodyTooLarge,
    })
  }

  /**
   * Body chunks as they arrive. Once read whole, the body can be read again (a second stream,
   * `bytes()`, `json()`…) if it was at most 1 MiB; a larger streamed body is not kept, so that
   * streaming a big upload stays streaming.
   */
  async *stream(): AsyncGenerator<Uint8Array> {
    if (this.cached !== null) {
      if (this.cached.byteLength > 0) yield this.cached
      return
    }
    if (this.streaming)
      throw new TypeError(
        this.done
          ? 'the request body was streamed and, over 1 MiB, not kept: it cannot be read again'
          : 'the request body is already being read',
      )
    this.streaming = true
    if (this.declared > this.limit) this.tooLarge()
    let size = 0
    let kept: Uint8Array[] | null = []
    while (!this.done) {
      const event = await this.receive()
      if (event.type !== 'http.request')
        throw new ClientDisconnectedError('the client disconnected while sending the body')
      if (!event.moreBody) this.done = true
      size += event.body.byteLength
      if (size > this.limit) this.tooLarge()
      if (kept !== null && event.body.byteLength > 0) {
        if (size <= REPLAY_MAX) kept.push(event.body)
        else kept = null
      }
      if (this.done && kept !== null)
        this.cached =
          kept.length === 0 ? EMPTY : kept.length === 1 ? kept[0]! : Buffer.concat(kept, size)
      if (event.body.byteLength > 0) yield event.body
    }
  }

  /** The whole body (cached). */
  bytes(): Promise<Uint8Array> {
    if (this.cached !== null) return Promise.resolve(this.cached)
    if (this.streaming) return this.collect()
    this.streaming = true
    if (this.declared > this.limit) {
      try {
        this.tooLarge()
      } catch (error) {
        return Promise.reject(error)
      }
    }
    // A small body comes in one event: take it without a loop or an async frame.
    return this.receive().then((event) => {
      if (event.type !== 'http.request' || event.moreBody) return this.collect(event)
      this.done = true
      if (event.body.byteLength > this.limit) this.tooLarge()
      this.cached = event.body.byteLength === 0 ? EMPTY : event.body
      return this.cached
    })
  }

  /** The rest of `bytes()`: several events, or a body already partly streamed. */
  private async collect(first?: ReceiveEvent): Promise<Uint8Array> {
    if (first === undefined) {
      // Partly streamed already: collect the rest through the stream (it throws if needed).
      const chunks: Uint8Array[] = []
      for await (const chunk of this.stream()) chunks.push(chunk)
      this.cached ??= chunks.length === 0 ? EMPTY : Buffer.concat(chunks)
      return this.cached
    }
    // Read events until the last one, without an async generator.
    const chunks: Uint8Array[] = []
    let size = 0
    let event: ReceiveEvent | undefined = first
    while (!this.done) {
      event ??= await this.receive()
      if (event.type !== 'http.request')
        throw new ClientDisconnectedError('the client disconnected while sending the body')
      if (!event.moreBody) this.done = true
      size += event.body.byteLength
      if (size > this.limit) this.tooLarge()
      if (event.body.byteLength > 0) chunks.push(event.body)
      event = undefined
    }
    this.cached =
      chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
    return this.cached
  }
}

/** The charset parameter of a content-type, as a Node encoding (UTF-8 by default). */
export function charsetOf(contentType: string | undefined): BufferEncoding {
  // No parameters, no charset: the common `application/json` skips the regular expression.
  if (contentType === undefined || !contentType.includes(';')) return 'utf8'
  const match = contentType && /;\s*charset\s*=\s*"?([\w-]+)"?/i.exec(contentType)
  const name = match ? match[1]!.toLowerCase() : 'utf-8'
  switch (name) {
    case 'iso-8859-1':
    case 'latin1':
    case 'us-ascii':
    case 'ascii':
      return 'latin1'
    case 'utf-16le':
    case 'utf-16':
      return 'utf16le'
    default:
      return 'utf8'
  }
}

/** Decodes text in the given encoding. */
export function decodeText(bytes: Uint8Array, encoding: BufferEncoding): string {
  // A Buffer (what the reference server hands over) is decoded as it is, without a view.
  if (Buffer.isBuffer(bytes)) return bytes.toString(encoding)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding)
}

function poisoned(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(poisoned)
  if (Object.hasOwn(value, '__proto__')) return true
  const ctor = (value as Record<string, unknown>).constructor
  if (
    Object.hasOwn(value, 'constructor') &&
    typeof ctor === 'object' &&
    ctor !== null &&
    Object.hasOwn(ctor, 'prototype')
  )
    return true
  return Object.values(value).some(poisoned)
}

/**
 * Parses JSON text; empty text is `undefined` (no body). Invalid JSON → 400; a document
 * carrying `__proto__` or `constructor.prototype` keys → 400 (prototype poisoning).
 */
export function parseJSON(text: string): unknown {
  if (text.trim() === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new BadRequestError(`invalid JSON body: ${(error as Error).message}`, {
      code: FrameworkErrorCode.invalidJSON,
    })
  }
  // Scan only when the text could contain a dangerous key: the common case stays one parse.
  // A key may also be spelled with escapes ("\u005f_proto__"), so any \u forces the scan.
  // (`proto` is in both `__proto__` and `prototype`: one search for the two.)
  if ((text.includes('proto') || text.includes('\\u')) && poisoned(value)) {
    throw new BadRequestError(
      'invalid JSON body: __proto__ and constructor.prototype keys are not allowed',
      { code: FrameworkErrorCode.invalidJSON },
    )
  }
  return value
}

/** Parses an urlencoded form body (same rules as the query string). */
export function parseForm(text: string): Query {
  return parseQuery(text)
}

/**
 * How `toFetch` reads a request body: a small sized one whole, the rest as a stream, opened
 * on the first `receive()` that needs it.
 *
 * @module
 */
import type { HTTPIncomingEvent } from '@tsgi/protocol'

/**
 * A request body announced at most this long is read whole (`request.bytes()`, else
 * `arrayBuffer()`), one `http.request` event: runtimes fill it natively, without a
 * `ReadableStream` (on Bun, reading a small body through `request.body` doubled the cost of a
 * POST). Larger or unsized bodies are streamed, chunk by chunk, so the app holds only what it
 * asked for.
 */
export const WHOLE_BODY_LIMIT = 64 * 1024

/** The declared body length when it allows reading the body whole, else `undefined`. */
export function wholeBodyLength(request: Request): number | undefined {
  const value = request.headers.get('content-length')
  if (value === null) return undefined
  const size = Number(value)
  return Number.isInteger(size) && size >= 0 && size <= WHOLE_BODY_LIMIT ? size : undefined
}

/** `Request.bytes()` where the runtime has it (Bun, Deno, Node 22+): no ArrayBuffer to wrap. */
type WithBytes = Request & { bytes?: () => Promise<Uint8Array> }

/** The whole body of `request`; rejects when the read fails (a body cut short). */
export function readWhole(request: Request): Promise<Uint8Array> {
  const r = request as WithBytes
  return typeof r.bytes === 'function'
    ? r.bytes()
    : request.arrayBuffer().then((bytes) => new Uint8Array(bytes))
}

/** What one read of a body stream gives. */
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>

const EMPTY = new Uint8Array(0)
const disconnect = (): HTTPIncomingEvent => ({ type: 'http.disconnect' })

/** The exchange a body belongs to: whether the client left, and how to say it did. */
export interface BodyOwner {
  readonly gone: boolean
  /** The client left: every wait of the exchange ends. */
  depart(): void
}

/**
 * The request body of one exchange. It is opened by the first read: an app that never reads
 * it costs nothing, and `request.body` is not even looked at for a small sized body (on Bun
 * and Deno that getter makes a `ReadableStream` of a body they already hold: ~5 µs a POST).
 */
export class RequestBody {
  /** Every body event was given (the last with `moreBody: false`). */
  done = false
  private readonly request: Request
  private readonly owner: BodyOwner
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined = undefined
  /** Ends a pending read early: it yields `http.disconnect`. */
  private stop: (() => void) | null = null

  constructor(request: Request, owner: BodyOwner) {
    this.request = request
    this.owner = owner
  }

  /** Whether the next read is the whole body at once (small, sized, not opened yet). */
  get whole(): boolean {
    return !this.done && this.reader === undefined && wholeBodyLength(this.request) !== undefined
  }

  /** Ends a pending read with `http.disconnect` (the client left, or the exchange ended). */
  interrupt(): void {
    this.stop?.()
  }

  /** The client left: the runtime may stop receiving the body. */
  cancel(): void {
    if (this.reader !== undefined) this.reader.cancel().catch(() => {})
    else if (!this.request.bodyUsed) this.request.body?.cancel().catch(() => {})
  }

  /** The whole small body as one event (one promise: the read's own, then this one). */
  readWhole(): Promise<HTTPIncomingEvent> {
    this.done = true
    return new Promise<HTTPIncomingEvent>((settle) => {
      const end = (): void => {
        this.stop = null
        this.owner.depart()
        settle(disconnect())
      }
      this.stop = end
      readWhole(this.request).then(
        (body) => {
          if (this.stop !== end) return
          if (this.owner.gone) return end()
          this.stop = null
          settle({ type: 'http.request', body, moreBody: false })
        },
        // A body cut short fails the read: the client left.
        () => {
          if (this.stop === end) end()
        },
      )
    })
  }

  /** The next chunk of a streamed body (or the empty last event of a request without one). */
  async readNext(): Promise<HTTPIncomingEvent> {
    if (this.reader === undefined && this.request.body === null) {
      this.done = true
      return { type: 'http.request', body: EMPTY, moreBody: false }
    }
    this.reader ??= (this.request.body as ReadableStream<Uint8Array>).getReader()
    const open = this.reader
    // A body cut short errors the read (Deno): that is the client leaving.
    // Not Promise.race with the end of the exchange: each race leaves a reaction on that
    // long-lived promise holding the settled race, and so its chunk, until the exchange ends
    // (64 MiB retained).
    const read = await new Promise<ReadResult | undefined>((settle) => {
      this.stop = () => settle(undefined)
      open.read().then(settle, () => settle(undefined))
    })
    this.stop = null
    if (read === undefined || this.owner.gone) {
      this.owner.depart()
      return disconnect()
    }
    if (read.done) {
      this.done = true
      return { type: 'http.request', body: EMPTY, moreBody: false }
    }
    return { type: 'http.request', body: read.value, moreBody: true }
  }
}

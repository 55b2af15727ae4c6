/**
 * Request bodies in, response bodies out: the byte plumbing of the test client.
 *
 * @module
 */

/** A request body: bytes, text (UTF-8), or chunks given one by one (each becomes an `http.request`). */
export type BodyInit =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>

const utf8 = new TextEncoder()

/** Converts a chunk to bytes. */
export function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === 'string' ? utf8.encode(chunk) : chunk
}

/** The byte length of a body known up front, or `undefined` for a streamed one. */
export function knownLength(body: BodyInit | undefined): number | undefined {
  if (body === undefined) return 0
  if (typeof body === 'string') return utf8.encode(body).byteLength
  if (body instanceof Uint8Array) return body.byteLength
  return undefined
}

/**
 * Yields the body as `[chunk, more]` pairs. For bytes, text and synchronous iterables the last
 * chunk is known and carries `more = false`. An async iterable is delivered as it produces,
 * like a chunked upload: each chunk with `more = true`, then an empty final chunk, so a slow
 * source never holds back bytes already produced.
 */
export async function* bodyChunks(
  body: BodyInit | undefined,
): AsyncGenerator<[Uint8Array, boolean]> {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    yield [body === undefined ? new Uint8Array(0) : toBytes(body), false]
    return
  }
  if (Symbol.asyncIterator in body) {
    for await (const chunk of body) yield [toBytes(chunk), true]
    yield [new Uint8Array(0), false]
    return
  }
  let previous: Uint8Array | undefined
  for (const chunk of body) {
    if (previous) yield [previous, true]
    previous = toBytes(chunk)
  }
  yield [previous ?? new Uint8Array(0), false]
}

/**
 * A queue of response chunks between the application (`push`) and the test (`read`). `push`
 * resolves only once the unread bytes are at or below the high-water mark: the in-memory
 * counterpart of transport backpressure.
 */
export class ChunkQueue {
  private readonly chunks: Uint8Array[] = []
  private buffered = 0
  private ended = false
  private failure: unknown = undefined
  private readonly readers: Array<() => void> = []
  private readonly writers: Array<() => void> = []
  private readonly highWaterMark: number

  constructor(highWaterMark: number) {
    this.highWaterMark = highWaterMark
  }

  /** Unread bytes. */
  get size(): number {
    return this.buffered
  }

  /** Queues `chunk`; resolves when the reader has brought the queue back under the mark. */
  push(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk)
      this.buffered += chunk.byteLength
      this.wake(this.readers)
    }
    if (this.buffered <= this.highWaterMark) return Promise.resolve()
    return new Promise((resolve) => this.writers.push(resolve))
  }

  /** No more chunks will come. */
  end(): void {
    this.ended = true
    this.wake(this.readers)
    this.wake(this.writers)
  }

  /** The stream failed: readers reject with `error` once the queued chunks are read. */
  fail(error: unknown): void {
    this.failure = error
    this.end()
  }

  /** Releases writers waiting on backpressure (the reader went away). */
  releaseWriters(): void {
    this.wake(this.writers)
  }

  /** The next chunk, or `null` at the end. */
  async read(): Promise<Uint8Array | null> {
    while (this.chunks.length === 0) {
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure
        return null
      }
      await new Promise<void>((resolve) => this.readers.push(resolve))
    }
    const chunk = this.chunks.shift()!
    this.buffered -= chunk.byteLength
    if (this.buffered <= this.highWaterMark) this.wake(this.writers)
    return chunk
  }

  private wake(waiters: Array<() => void>): void {
    for (const wake of waiters.splice(0)) wake()
  }
}

/** Concatenates chunks into one array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const c of chunks) length += c.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

/**
 * The streamed body of a `toFetch` response: a pull-based `ReadableStream` that `send()` feeds,
 * holding at most 64 KiB before `send()` waits for the client to read.
 *
 * @module
 */

/** Bytes the stream holds before `send()` waits for the client to read. */
const HIGH_WATER_MARK = 64 * 1024

/** A response body stream and the waits on its reader. */
export class ResponseStream {
  readonly readable: ReadableStream<Uint8Array>
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null
  private pulled: (() => void) | null = null

  /** `onCancel`: the client cancelled the body (it left). */
  constructor(onCancel: () => void) {
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c
        },
        pull: () => this.wake(),
        cancel: onCancel,
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    )
  }

  /** Whether the queue reached the high-water mark: the next `send()` must wait. */
  get full(): boolean {
    return (this.controller?.desiredSize ?? 0) <= 0
  }

  /** Whether bytes are still queued for the client. */
  get holding(): boolean {
    return (this.controller?.desiredSize ?? 0) < HIGH_WATER_MARK
  }

  enqueue(chunk: Uint8Array): void {
    if (chunk.byteLength > 0) this.controller?.enqueue(chunk)
  }

  close(): void {
    this.controller?.close()
  }

  /** Errors the stream, so the runtime cuts the connection (a no-op once it closed). */
  error(reason: unknown): void {
    this.controller?.error(reason)
  }

  /** Resolves at the client's next read, or at {@link wake}. */
  nextPull(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.pulled = () => {
        this.pulled = null
        resolve()
      }
    })
  }

  /** Ends a wait of {@link nextPull} (the client read, or left). */
  wake(): void {
    this.pulled?.()
  }

  /**
   * Errors the stream after the client read what is queued (or `gone()`): Bun drops what it
   * read from a stream but had not written when the stream errors in the same turn, so the
   * runtime gets one macrotask to write it too.
   */
  async cut(reason: unknown, gone: () => boolean): Promise<void> {
    while (!gone() && this.holding) await this.nextPull()
    await new Promise((r) => setTimeout(r, 0))
    this.error(reason)
  }
}

/**
 * A streamed body through a node:zlib encoder, pulled one chunk at a time: each source chunk is
 * written and flushed, and what the encoder produced is yielded before the next chunk is asked
 * for. Nothing is read ahead, so a slow or idle source (SSE-like streams) never waits behind
 * a buffer, and a client that leaves stops the source at once. Internal to the compression
 * middleware: no entry point exports it. (No internal tag here: tsc takes a file's first comment
 * for its first statement's, and `stripInternal` would drop the import below from the `.d.ts`,
 * whatever the tag's place in the comment.)
 *
 * @module
 */
import type { Transform } from 'node:stream'
import { encodeText, iterate, type StreamBody } from './util.ts'

/** Drives one encoder: write + flush, then collect everything it output. */
class Encoder {
  private readonly z: Transform
  private readonly flushKind: number
  private readonly out: Buffer[] = []
  private failure: Error | undefined = undefined

  constructor(z: Transform, flushKind: number) {
    this.z = z
    this.flushKind = flushKind
    // Drain as output arrives, so the encoder never stalls on a full readable buffer.
    z.on('readable', () => this.drain())
    z.on('error', (error: Error) => {
      this.failure = error
    })
  }

  private drain(): void {
    for (let chunk = this.z.read() as Buffer | null; chunk !== null; chunk = this.z.read())
      this.out.push(chunk)
  }

  private take(): Buffer {
    this.drain()
    if (this.failure) throw this.failure
    const data = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out)
    this.out.length = 0
    return data
  }

  /** Compresses `chunk` and flushes: the result is decodable on its own. */
  async write(chunk: Uint8Array): Promise<Buffer> {
    const z = this.z as Transform & {
      flush(kind: number, callback: (error?: Error | null) => void): void
    }
    await new Promise<void>((resolve, reject) => {
      z.write(chunk, (error) => {
        if (error) reject(error)
      })
      z.flush(this.flushKind, (error) => {
        const failure = error ?? this.failure
        if (failure) reject(failure)
        else resolve()
      })
    })
    return this.take()
  }

  /** Ends the stream: the final bytes. */
  async end(): Promise<Buffer> {
    await new Promise<void>((resolve, reject) => {
      this.z.once('end', resolve)
      this.z.once('error', reject)
      this.z.end()
    })
    return this.take()
  }

  destroy(): void {
    this.z.destroy()
  }
}

/**
 * `body` compressed by the encoder `make()` creates (lazily, on the first read). Strings are
 * encoded in the charset of `contentType`. The source is released when the result is.
 */
export function compressStream(
  body: StreamBody,
  make: () => Transform,
  flushKind: number,
  contentType: string | undefined,
): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const source = iterate(body)
      const encoder = new Encoder(make(), flushKind)
      try {
        for (let step = await source.next(); !step.done; step = await source.next()) {
          const chunk =
            typeof step.value === 'string' ? encodeText(step.value, contentType) : step.value
          if (chunk.byteLength === 0) continue
          const out = await encoder.write(chunk)
          if (out.byteLength > 0) yield out
        }
        const tail = await encoder.end()
        if (tail.byteLength > 0) yield tail
      } finally {
        encoder.destroy()
        await source.return?.()
      }
    },
  }
}

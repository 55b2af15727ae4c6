/**
 * A raw HTTP/2 client on node:net, for what no well-behaved client sends: the preface split
 * anywhere, floods of HEADERS + RST_STREAM, header blocks continued without end. Frames are
 * written by hand (RFC 9113 §4.1); header blocks use HPACK literals without indexing and
 * with literal names (RFC 7541 §6.2.2), which need no table on either side.
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { DEADLINE } from './helpers.ts'

/** The client connection preface (RFC 9113 §3.4). */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

/** Frame types (RFC 9113 §6). */
export const FrameType = Object.freeze({
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
})

/** Flags. */
export const Flag = Object.freeze({ END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 })

/** Error codes (RFC 9113 §7). */
export const ErrorCode = Object.freeze({
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  ENHANCE_YOUR_CALM: 0xb,
})

/** One frame received. */
export interface Frame {
  readonly type: number
  readonly flags: number
  readonly streamId: number
  readonly payload: Buffer
}

/** A frame: 9-byte header then `payload`. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.byteLength, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(streamId & 0x7fffffff, 5)
  return Buffer.concat([head, payload])
}

/** An HPACK integer with an `prefix`-bit prefix (RFC 7541 §5.1), first byte's high bits `mask`. */
function hpackInt(value: number, prefix: number, mask: number): Buffer {
  const max = (1 << prefix) - 1
  if (value < max) return Buffer.from([mask | value])
  const out = [mask | max]
  let rest = value - max
  while (rest >= 128) {
    out.push((rest % 128) + 128)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Buffer.from(out)
}

/** A header block of literals without indexing, new names (RFC 7541 §6.2.2), no Huffman. */
export function headerBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = []
  for (const [name, value] of fields) {
    const n = Buffer.from(name, 'latin1')
    const v = Buffer.from(value, 'latin1')
    parts.push(
      Buffer.from([0x00]),
      hpackInt(n.byteLength, 7, 0),
      n,
      hpackInt(v.byteLength, 7, 0),
      v,
    )
  }
  return Buffer.concat(parts)
}

/** The header block of a plain GET of `path`. */
export function getBlock(path = '/', extra: ReadonlyArray<readonly [string, string]> = []): Buffer {
  return headerBlock([
    [':method', 'GET'],
    [':scheme', 'http'],
    [':authority', 'localhost'],
    [':path', path],
    ...extra,
  ])
}

/** A SETTINGS frame (`[id, value]` pairs), or its ACK. */
export function settings(
  entries: ReadonlyArray<readonly [number, number]> = [],
  ack = false,
): Buffer {
  const payload = Buffer.alloc(6 * entries.length)
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i)
    payload.writeUInt32BE(value, 6 * i + 2)
  })
  return frame(FrameType.SETTINGS, ack ? Flag.ACK : 0, 0, payload)
}

/** HEADERS on `streamId` carrying `block`; `end` sets END_STREAM, `endHeaders` END_HEADERS. */
export function headers(streamId: number, block: Buffer, end = true, endHeaders = true): Buffer {
  return frame(
    FrameType.HEADERS,
    (end ? Flag.END_STREAM : 0) | (endHeaders ? Flag.END_HEADERS : 0),
    streamId,
    block,
  )
}

/** CONTINUATION on `streamId`; `endHeaders` ends the block. */
export function continuation(streamId: number, block: Buffer, endHeaders = false): Buffer {
  return frame(FrameType.CONTINUATION, endHeaders ? Flag.END_HEADERS : 0, streamId, block)
}

/** RST_STREAM on `streamId` with `code`. */
export function rstStream(streamId: number, code: number = ErrorCode.CANCEL): Buffer {
  const payload = Buffer.alloc(4)
  payload.writeUInt32BE(code)
  return frame(FrameType.RST_STREAM, 0, streamId, payload)
}

/** The error code of a GOAWAY or RST_STREAM frame. */
export function errorCodeOf(f: Frame): number {
  return f.type === FrameType.GOAWAY ? f.payload.readUInt32BE(4) : f.payload.readUInt32BE(0)
}

/** A raw connection: what it received, parsed into frames, and ways to wait for them. */
export class H2Wire {
  readonly socket: Socket
  readonly frames: Frame[] = []
  /** Bytes received that are not (yet) whole frames: an HTTP/1.1 answer, or a frame cut short. */
  private pending = Buffer.alloc(0)
  private closed = false
  private wake: (() => void) | null = null

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk])
      this.parse()
      this.wake?.()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      this.wake?.()
    })
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<H2Wire> {
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    return new H2Wire(socket)
  }

  /** Whether the server has closed the connection. */
  get isClosed(): boolean {
    return this.closed
  }

  /** Writes `bytes`; resolves once they are handed to the kernel (or the socket is gone). */
  write(...bytes: Buffer[]): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) resolve()
      else this.socket.write(Buffer.concat(bytes), () => resolve())
    })
  }

  /** Preface and an empty SETTINGS, as every client starts. */
  start(): Promise<void> {
    return this.write(PREFACE, settings())
  }

  /** Waits (up to {@link DEADLINE}) for a frame matching `match`, and returns it. */
  async waitFor(match: (f: Frame) => boolean, what = 'a frame'): Promise<Frame> {
    await this.until(() => this.frames.some(match), what)
    return this.frames.find(match)!
  }

  /** Waits for the server to close the connection. */
  closedByServer(): Promise<void> {
    return this.until(() => this.closed, 'the connection to close')
  }

  /** Waits until `condition` holds, re-checked on every byte received and on close. */
  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + DEADLINE
    while (!condition()) {
      if (this.closed && !condition()) throw new Error(`connection closed before ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          this.wake = null
          resolve()
        }
      })
    }
  }

  /** Closes the client side. */
  close(): void {
    this.socket.destroy()
  }

  private parse(): void {
    while (this.pending.byteLength >= 9) {
      const length = this.pending.readUIntBE(0, 3)
      if (this.pending.byteLength < 9 + length) return
      this.frames.push({
        type: this.pending[3]!,
        flags: this.pending[4]!,
        streamId: this.pending.readUInt32BE(5) & 0x7fffffff,
        payload: this.pending.subarray(9, 9 + length),
      })
      this.pending = this.pending.subarray(9 + length)
    }
  }
}

/**
 * The virtual socket under a real `IncomingMessage`/`ServerResponse` pair: a `Duplex` that is
 * not a network socket. Its writable side receives the bytes `ServerResponse` serializes and
 * hands them to a sink whose callback runs when the TSGI `send()` resolved, so node's own
 * write buffering and `'drain'` follow the server's backpressure. Its readable side is never
 * used: the request body is pushed into the `IncomingMessage` directly.
 *
 * @module
 */
import type { AddressInfo } from 'node:net'
import { Duplex } from 'node:stream'
import type { HTTPScope } from '@tsgi/protocol'

/**
 * One write: a `Buffer` (whose memory the writer may reuse after the callback) or a string
 * and its encoding, as node's `ServerResponse` wrote it.
 */
export interface SocketWrite {
  /** The bytes, or a string still to be encoded with `encoding`. */
  chunk: Buffer | string
  /** The string's encoding (`'buffer'` for a `Buffer`). */
  encoding: BufferEncoding | 'buffer'
}

/** Receives what the response wrote: call `done` once the bytes are handed on. */
export type SocketSink = (writes: SocketWrite[], done: () => void) => void

function family(host: string | undefined): string | undefined {
  if (host === undefined) return undefined
  return host.includes(':') ? 'IPv6' : 'IPv4'
}

/**
 * A `Duplex` that looks enough like a `net.Socket` for node:http and Express: the peer's
 * address from `scope.client`, the local one from `scope.server`, `encrypted` for https, and
 * the no-op timers and options frameworks call.
 */
export class VirtualSocket extends Duplex {
  /** `scope.client.host`, as `net.Socket#remoteAddress`. */
  readonly remoteAddress: string | undefined
  /** `scope.client.port`. */
  readonly remotePort: number | undefined
  /** `IPv4` or `IPv6`, from the address's shape. */
  readonly remoteFamily: string | undefined
  /** `scope.server.host`. */
  readonly localAddress: string | undefined
  /** `scope.server.port`. */
  readonly localPort: number | undefined
  /** `true` when `scope.scheme` is `https` (Express's `req.secure` and `req.protocol` read it). */
  readonly encrypted: boolean | undefined
  private readonly sink: SocketSink

  constructor(scope: HTTPScope, sink: SocketSink) {
    // A one-byte high-water mark: `write()` returns false while a `send()` is pending.
    // Strings stay strings: node prepends the head to a string body, which is then parsed
    // without encoding and decoding it again, and encoded bytes need no defensive copy.
    super({ writableHighWaterMark: 1, allowHalfOpen: true, decodeStrings: false })
    this.sink = sink
    this.remoteAddress = scope.client?.host
    this.remotePort = scope.client?.port
    this.remoteFamily = family(scope.client?.host)
    this.localAddress = scope.server?.host
    this.localPort = scope.server?.port ?? undefined
    if (scope.scheme === 'https') this.encrypted = true
  }

  /** As `net.Socket#address()`. */
  address(): AddressInfo | Record<string, never> {
    if (this.localAddress === undefined) return {}
    return {
      address: this.localAddress,
      port: this.localPort ?? 0,
      family: family(this.localAddress) ?? 'IPv4',
    }
  }

  /** No-op: the TSGI server owns the real connection's timeouts. */
  setTimeout(_ms: number, callback?: () => void): this {
    if (callback !== undefined) this.once('timeout', callback)
    return this
  }

  /** No-op. */
  setNoDelay(_noDelay?: boolean): this {
    return this
  }

  /** No-op. */
  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this
  }

  /** No-op. */
  ref(): this {
    return this
  }

  /** No-op. */
  unref(): this {
    return this
  }

  /** As `net.Socket#destroySoon()`: ends the writable side. */
  destroySoon(): void {
    this.end()
  }

  override _read(): void {}

  override _write(
    chunk: Buffer | string,
    encoding: BufferEncoding | 'buffer',
    callback: () => void,
  ): void {
    this.sink([{ chunk, encoding }], callback)
  }

  override _writev(chunks: SocketWrite[], callback: () => void): void {
    this.sink(chunks, callback)
  }

  override _final(callback: () => void): void {
    callback()
  }
}

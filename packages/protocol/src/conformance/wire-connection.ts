/**
 * One raw connection a case converses over: write, then wait for what the server does (a
 * complete response, a close) instead of waiting a fixed time.
 *
 * @module
 */
import { connect, type Socket } from 'node:net'
import { parseResponses, type WireResponse } from './wire.ts'

/** A raw TCP connection to the server under test, collecting every byte it answers. */
export class WireConnection {
  /** The socket (its `localAddress`/`localPort` are what the server sees as the peer). */
  readonly socket: Socket
  /** Everything received so far. */
  data: Buffer = Buffer.alloc(0)
  /** The server closed the connection (or reset it). */
  closed = false
  reset = false
  private readonly changed = new Set<() => void>()

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d])
      this.notify()
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') this.reset = true
    })
    socket.on('close', () => {
      this.closed = true
      this.notify()
    })
  }

  /** Connects; rejects with the socket error (say `ECONNREFUSED`) if it cannot. */
  static open(port: number, host: string): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host)
      const failed = (e: Error) => reject(e)
      socket.once('error', failed)
      socket.once('connect', () => {
        socket.off('error', failed)
        resolve(new WireConnection(socket))
      })
    })
  }

  private notify(): void {
    for (const f of [...this.changed]) f()
  }

  /** Writes bytes; resolves once they were handed to the kernel (or the socket failed). */
  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve()
      this.socket.write(bytes, () => resolve())
    })
  }

  /**
   * Resolves `true` once `check` holds (checked at once and after every read), `false` if the
   * connection closes or `deadlineMs` passes first.
   */
  until(check: (c: WireConnection) => boolean, deadlineMs = 10_000): Promise<boolean> {
    return new Promise((resolve) => {
      const test = () => {
        let ok = false
        let broken = false
        try {
          ok = check(this)
        } catch {
          broken = true // unparseable bytes: the caller's next parse reports them
        }
        if (ok || broken || this.closed) {
          clearTimeout(timer)
          this.changed.delete(test)
          resolve(ok)
        }
      }
      const timer = setTimeout(() => {
        this.changed.delete(test)
        resolve(false)
      }, deadlineMs)
      this.changed.add(test)
      test()
    })
  }

  /** The complete responses received so far (strict parse: throws on stray bytes). */
  responses(head: boolean[] = []): WireResponse[] {
    return parseResponses(this.data, head).filter((r) => !r.truncated)
  }

  /** Waits until `n` complete responses arrived; resolves them (fewer if it closed first). */
  async response(n = 1, head: boolean[] = [], deadlineMs = 10_000): Promise<WireResponse[]> {
    await this.until((c) => c.responses(head).length >= n, deadlineMs)
    return this.responses(head)
  }

  /** Waits until the server closes the connection; `false` if `deadlineMs` passes first. */
  closedByServer(deadlineMs = 10_000): Promise<boolean> {
    return this.until((c) => c.closed, deadlineMs).then(() => this.closed)
  }

  /** Closes our side. */
  destroy(): void {
    this.socket.destroy()
  }
}

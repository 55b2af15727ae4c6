/**
 * h2c with prior knowledge beside HTTP/1.1 on one port: the first bytes of a connection say
 * which protocol it speaks. A connection whose first 24 bytes are the HTTP/2 client preface
 * (RFC 9113 §3.4) is an h2 session; any other byte, at whatever position it arrives, makes it
 * HTTP/1.1. The decision needs only as many bytes as it takes to see a difference: a `GET`
 * is HTTP/1.1 at its first byte, a `POST` at its second, so only a client that dribbles a
 * prefix of the preface is held here.
 *
 * The bytes read to decide are put back (`unshift`) before the socket is handed over, so the
 * protocol that takes it sees the connection from its first byte.
 *
 * @module
 */
import type { Socket } from 'node:net'

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
export const H2_PREFACE: Buffer = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

/** What the first bytes of a connection said. */
export type PrefaceVerdict = 'h2' | 'http1'

/** How a connection ended before its protocol was known. */
export type PrefaceFailure = 'timeout' | 'closed'

/**
 * Whether `bytes` (the first bytes of a connection) are the preface (`'h2'`), cannot be it
 * (`'http1'`), or are a prefix of it so far (`null`: more bytes are needed).
 */
export function classifyPreface(bytes: Uint8Array): PrefaceVerdict | null {
  const n = Math.min(bytes.byteLength, H2_PREFACE.byteLength)
  for (let i = 0; i < n; i++) if (bytes[i] !== H2_PREFACE[i]) return 'http1'
  return n === H2_PREFACE.byteLength ? 'h2' : null
}

/** What {@link routeByPreface} calls once it knows. */
export interface PrefaceRoutes {
  /** The connection starts with the preface; its bytes are back in the socket, paused. */
  h2(socket: Socket): void
  /** It does not; its bytes are back in the socket, paused. */
  http1(socket: Socket): void
  /** It sent too few bytes in time, or closed, before the protocol was known (socket destroyed). */
  failed?(socket: Socket, why: PrefaceFailure): void
}

/**
 * Reads the first bytes of `socket` until they decide its protocol, then hands it to
 * `routes`. A client that sends nothing (or only a prefix of the preface) for `timeoutMs`
 * is disconnected: the same bound as the HTTP/1.1 header timeout (0 disables it).
 */
export function routeByPreface(socket: Socket, routes: PrefaceRoutes, timeoutMs: number): void {
  let seen: Buffer | null = null
  let timer: NodeJS.Timeout | undefined
  const stop = () => {
    clearTimeout(timer)
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.off('close', onEnd)
    socket.off('error', onError)
  }
  const fail = (why: PrefaceFailure) => {
    stop()
    socket.destroy()
    routes.failed?.(socket, why)
  }
  const onData = (chunk: Buffer) => {
    seen = seen === null ? chunk : Buffer.concat([seen, chunk])
    const verdict = classifyPreface(seen)
    if (verdict === null) return
    stop()
    // Paused before the bytes go back, so nothing flows until the new owner reads.
    socket.pause()
    socket.unshift(seen)
    if (verdict === 'h2') routes.h2(socket)
    else routes.http1(socket)
  }
  const onEnd = () => fail('closed')
  // A reset before the protocol is known is the client's business: no unhandled 'error'.
  const onError = () => fail('closed')
  socket.on('data', onData)
  socket.on('end', onEnd)
  socket.on('close', onEnd)
  socket.on('error', onError)
  if (timeoutMs > 0) {
    timer = setTimeout(() => fail('timeout'), timeoutMs)
    timer.unref()
  }
}

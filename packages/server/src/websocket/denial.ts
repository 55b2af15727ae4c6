/**
 * HTTP responses written on the raw upgrade socket: the server's own refusals (403, 500, 503)
 * and the application's denial response (the `websocket.http.response` extension).
 *
 * @module
 */
import type { Duplex } from 'node:stream'
import { type HeaderList, statusText } from '@tsgi/protocol'

function headBlock(status: number, headers: HeaderList, extra: string[]): string {
  const lines = [`HTTP/1.1 ${status} ${statusText(status)}`]
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    // Framing and the connection are the server's: the socket closes after this response.
    if (lower === 'transfer-encoding' || lower === 'connection') continue
    lines.push(`${name}: ${value}`)
  }
  lines.push(...extra, 'connection: close', '', '')
  return lines.join('\r\n')
}

/** Writes a complete response and closes the socket. */
export function writeRawResponse(
  socket: Duplex,
  status: number,
  headers: HeaderList,
  body: Uint8Array,
): void {
  if (socket.destroyed || !socket.writable) return
  const hasLength = headers.some(([n]) => n.toLowerCase() === 'content-length')
  const extra = hasLength ? [] : [`content-length: ${body.byteLength}`]
  if (!headers.some(([n]) => n.toLowerCase() === 'content-type') && body.byteLength > 0)
    extra.push('content-type: text/plain; charset=utf-8')
  socket.write(headBlock(status, headers, extra))
  socket.end(body)
}

/** The app's denial response: the head is held until the first body, like an HTTP response. */
export class DenialResponse {
  private readonly socket: Duplex
  private readonly status: number
  private readonly headers: HeaderList
  private headWritten = false

  constructor(socket: Duplex, status: number, headers: HeaderList) {
    this.socket = socket
    this.status = status
    this.headers = headers
  }

  /** Writes a body part; the last one ends the response and closes the socket. */
  write(body: Uint8Array | undefined, more: boolean): Promise<void> {
    const socket = this.socket
    if (socket.destroyed) return Promise.resolve()
    if (!this.headWritten) {
      this.headWritten = true
      if (!more)
        return Promise.resolve(
          writeRawResponse(socket, this.status, this.headers, body ?? new Uint8Array()),
        )
      // Streamed: close-delimited, since the connection ends with the response anyway.
      socket.write(headBlock(this.status, this.headers, []))
    }
    if (!more) {
      socket.end(body)
      return Promise.resolve()
    }
    if (body === undefined || body.byteLength === 0 || socket.write(body)) return Promise.resolve()
    return new Promise((resolve) => socket.once('drain', resolve))
  }

  /** The app failed mid-denial: a 500 if nothing went out yet, else cut the socket. */
  abort(): void {
    if (!this.headWritten)
      writeRawResponse(this.socket, 500, [], new TextEncoder().encode('Internal Server Error'))
    else this.socket.destroy()
  }
}

/**
 * What the server writes on its own behalf: small error responses, and the abort that makes a
 * cut-short response visible to the client.
 *
 * @module
 */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { statusText } from '@tsgi/protocol'

const EMPTY = new Uint8Array(0)

/**
 * Writes a small plain-text error response that closes the connection; `detail` says why. The
 * body is `Title: detail` (the status's reason phrase), the form every refusal is documented in.
 */
export function writeErrorResponse(res: ServerResponse, status: number, detail?: string): void {
  const title = statusText(status) || 'Error'
  const body = detail === undefined ? title : `${title}: ${detail}\n`
  res.writeHead(status, title, [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'connection',
    'close',
  ])
  res.end(body)
}

/**
 * Cuts a connection mid-response so the client sees it truncated: what was written is flushed
 * first (a plain destroy would drop it), then the socket is reset, never ended cleanly, so even
 * a close-delimited body cannot pass for complete.
 */
export function abortSocket(socket: Socket): void {
  if (socket.destroyed) return
  const timer = setTimeout(() => socket.destroy(), 2000)
  timer.unref()
  socket.write(EMPTY, () => {
    clearTimeout(timer)
    socket.resetAndDestroy()
  })
}

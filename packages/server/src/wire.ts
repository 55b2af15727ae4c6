/**
 * What the server writes on its own behalf: small error responses, and the abort that makes a
 * cut-short response visible to the client.
 *
 * @module
 */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

const EMPTY = new Uint8Array(0)
const ERROR_BODIES: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** Writes a small plain-text error response that closes the connection; `detail` says why. */
export function writeErrorResponse(res: ServerResponse, status: number, detail?: string): void {
  const title = ERROR_BODIES[status] ?? 'Error'
  const body = detail === undefined ? title : `${title}: ${detail}\n`
  res.writeHead(status, [
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

/**
 * Raw-socket HTTP for the suite: send exact bytes, read exactly what comes back, parse it
 * strictly enough to check status lines, headers, framing and connection state.
 *
 * @module
 */
import { connect, type Socket } from 'node:net'

/** A parsed HTTP/1.x response. */
export interface WireResponse {
  status: number
  statusLine: string
  headers: Array<[string, string]>
  body: Buffer
  /** Whether the body was chunked, and its trailers. */
  chunked: boolean
  trailers: Array<[string, string]>
  /** Whether the connection closed right after (or before the body was complete). */
  truncated: boolean
}

/** What a raw exchange returned. */
export interface WireResult {
  raw: Buffer
  /** The connection was closed by the server (or reset). */
  closed: boolean
  reset: boolean
}

/** Writes `pieces` (with `delay` ms between) and collects bytes until close or `timeout`. */
export function exchange(
  port: number,
  host: string,
  pieces: Array<string | Buffer>,
  opts: { timeout?: number; delay?: number; until?: (raw: Buffer) => boolean } = {},
): Promise<WireResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, host)
    const chunks: Buffer[] = []
    let reset = false
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ raw: Buffer.concat(chunks), closed, reset })
    }
    const timer = setTimeout(() => finish(false), opts.timeout ?? 3000)
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      if (opts.until?.(Buffer.concat(chunks))) finish(false)
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') reset = true
    })
    socket.on('close', () => finish(true))
    socket.on('connect', async () => {
      for (const piece of pieces) {
        if (socket.destroyed) return
        socket.write(piece)
        if (opts.delay) await new Promise((r) => setTimeout(r, opts.delay))
      }
    })
  })
}

function headerBlock(text: string): Array<[string, string]> {
  return text
    .split('\r\n')
    .filter(Boolean)
    .map((line) => {
      const i = line.indexOf(':')
      return [line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()] as [string, string]
    })
}

/** Parses the responses in `raw` (pipelined ones too). `head` marks responses without a body. */
export function parseResponses(raw: Buffer, head: boolean[] = []): WireResponse[] {
  const out: WireResponse[] = []
  let at = 0
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at)
    if (end === -1) break
    const lines = raw.subarray(at, end).toString('latin1').split('\r\n')
    const statusLine = lines[0]!
    const status = Number(statusLine.split(' ')[1])
    const headers = headerBlock(lines.slice(1).join('\r\n'))
    at = end + 4
    const get = (n: string) => headers.find(([k]) => k === n)?.[1]
    const isHead = head[out.length] === true
    const bodyless = isHead || status === 204 || status === 304 || (status >= 100 && status < 200)
    let body: Buffer = Buffer.alloc(0)
    let chunked = false
    let truncated = false
    const trailers: Array<[string, string]> = []
    if (status >= 100 && status < 200) {
      out.push({ status, statusLine, headers, body, chunked, trailers, truncated })
      continue
    }
    if (!bodyless) {
      if ((get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) {
        chunked = true
        const parts: Buffer[] = []
        for (;;) {
          const lineEnd = raw.indexOf('\r\n', at)
          if (lineEnd === -1) {
            truncated = true
            break
          }
          const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16)
          at = lineEnd + 2
          if (size === 0) {
            const tEnd = raw.indexOf('\r\n\r\n', at - 2)
            if (tEnd === -1) {
              truncated = true
              break
            }
            trailers.push(...headerBlock(raw.subarray(at, tEnd + 2).toString('latin1')))
            at = tEnd + 4
            break
          }
          if (at + size > raw.length) {
            parts.push(raw.subarray(at))
            at = raw.length
            truncated = true
            break
          }
          parts.push(raw.subarray(at, at + size))
          at += size + 2
        }
        body = Buffer.concat(parts)
      } else if (get('content-length') !== undefined) {
        const length = Number(get('content-length'))
        body = raw.subarray(at, at + length)
        truncated = body.length < length
        at += length
      } else {
        body = raw.subarray(at)
        at = raw.length
      }
    }
    out.push({ status, statusLine, headers, body, chunked, trailers, truncated })
  }
  return out
}

/** A simple GET on a raw socket, with `Connection: close`. */
export function get(path: string, host = 'h', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`
}

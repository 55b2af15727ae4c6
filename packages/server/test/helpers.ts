/**
 * Shared test helpers: a server on a free port with a recording logger, raw socket requests,
 * and small apps written against the protocol.
 */
import { connect } from 'node:net'
import type { Application, HTTPScope, Receive, Send } from '@tsgi/protocol'
import { type ServerHandle, type ServerOptions, serve } from '../src/index.ts'
import type { Logger, LogLevel } from '../src/logger.ts'

/** A logger that keeps every line, for assertions. */
export interface RecordingLogger extends Logger {
  lines: Array<{ level: LogLevel | 'access'; message: string; error?: unknown }>
  /** Lines of one level, as text. */
  of(level: LogLevel | 'access'): string[]
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = []
  return {
    lines,
    of: (level) => lines.filter((l) => l.level === level).map((l) => l.message),
    enabled: () => true,
    error: (message, error) => lines.push({ level: 'error', message, error }),
    warn: (message) => lines.push({ level: 'warn', message }),
    info: (message) => lines.push({ level: 'info', message }),
    debug: (message) => lines.push({ level: 'debug', message }),
    access: (message) => lines.push({ level: 'access', message }),
  }
}

export interface TestServer extends ServerHandle {
  port: number
  logger: RecordingLogger
}

/** Serves `app` on 127.0.0.1 with a free port and a recording logger; lifespan off unless asked. */
export async function startServer(
  app: Application,
  options: ServerOptions = {},
): Promise<TestServer> {
  const logger = recordingLogger()
  const handle = await serve(app, { port: 0, logger, lifespan: 'off', ...options })
  const port = 'port' in handle.address ? handle.address.port : 0
  return Object.assign(handle, { port, logger })
}

/**
 * Writes `data` (string pieces are written one by one, `delay` ms apart) on a raw socket and
 * collects everything the server sends until it closes the connection or `timeout` passes.
 */
export function rawRequest(
  port: number,
  data: string | Buffer | Array<string | Buffer>,
  opts: { timeout?: number; delay?: number; path?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = opts.path ? connect(opts.path) : connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const pieces = Array.isArray(data) ? data : [data]
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(Buffer.concat(chunks).toString('latin1'))
    }, opts.timeout ?? 2000)
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', (e) => {
      clearTimeout(timer)
      if ((e as NodeJS.ErrnoException).code === 'ECONNRESET')
        resolve(Buffer.concat(chunks).toString('latin1'))
      else reject(e)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('latin1'))
    })
    socket.on('connect', async () => {
      for (const piece of pieces) {
        socket.write(piece)
        if (opts.delay) await new Promise((r) => setTimeout(r, opts.delay))
      }
    })
  })
}

/** Splits a raw HTTP/1.1 stream into responses' status lines. */
export function statusLines(raw: string): string[] {
  return raw.match(/HTTP\/1\.[01] \d{3}[^\r\n]*/g) ?? []
}

export const utf8 = new TextEncoder()
export const text = (s: string) => utf8.encode(s)

/** Reads the whole request body. */
export async function readBody(receive: Receive): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') break
    parts.push(event.body)
    if (!event.moreBody) break
  }
  return Buffer.concat(parts)
}

/** Answers with a JSON body. */
export async function json(send: Send, value: unknown, status = 200): Promise<void> {
  const body = text(JSON.stringify(value))
  await send({
    type: 'http.response.start',
    status,
    headers: [
      ['content-type', 'application/json'],
      ['content-length', String(body.byteLength)],
    ],
  })
  await send({ type: 'http.response.body', body })
}

/** An app that answers every request with its scope (minus state functions) as JSON. */
export const scopeEcho: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') throw new Error('http only')
  const body = await readBody(receive)
  const s = scope as HTTPScope
  await json(send, { ...s, body: Buffer.from(body).toString('latin1') })
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls `check` until it is true (or fails after `timeout`). */
export async function until(check: () => boolean, timeout = 5000): Promise<void> {
  const end = Date.now() + timeout
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(5)
  }
}

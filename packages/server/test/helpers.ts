/**
 * Shared test helpers: a server on a free port with a recording logger, raw socket requests,
 * small apps written against the protocol, and ways to wait for a condition instead of a time.
 */
import { connect, type Socket } from 'node:net'
import type { Application, HTTPScope, Receive, Send } from '@tsgi/protocol'
import { type ServerHandle, type ServerOptions, serve } from '../src/index.ts'
import type { Logger, LogLevel } from '../src/logging/logger.ts'

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

/**
 * How long a test waits for something that must happen before it fails: far above what any of
 * these waits takes, so a loaded machine slows the suite down instead of failing it.
 */
export const DEADLINE = 10_000

export interface TestServer extends ServerHandle {
  port: number
  logger: RecordingLogger
}

/** The server side of each connection accepted by a server of {@link startServer}, by port. */
const accepted = new Map<number, Socket[]>()

/** Serves `app` on 127.0.0.1 with a free port and a recording logger; lifespan off unless asked. */
export async function startServer(
  app: Application,
  options: ServerOptions = {},
): Promise<TestServer> {
  const logger = recordingLogger()
  const handle = await serve(app, { port: 0, logger, lifespan: 'off', ...options })
  const port = 'port' in handle.address ? handle.address.port : 0
  if (port !== 0) {
    const sockets: Socket[] = []
    accepted.set(port, sockets)
    handle.server.on('connection', (socket: Socket) => sockets.push(socket))
    handle.server.once('close', () => accepted.delete(port))
  }
  return Object.assign(handle, { port, logger })
}

/**
 * The server's side of `client`'s connection to a server of {@link startServer} on `port`, once
 * the server has accepted it.
 */
export async function acceptedSocket(port: number, client: Socket): Promise<Socket> {
  const find = () => accepted.get(port)?.find((s) => s.remotePort === client.localPort)
  await until(() => client.localPort !== undefined && find() !== undefined)
  return find()!
}

/** Resolves once the server has read the first `bytes` bytes `client` wrote (or closed). */
export async function serverHasRead(port: number, client: Socket, bytes: number): Promise<void> {
  const server = await acceptedSocket(port, client)
  await until(() => server.bytesRead >= bytes || server.destroyed || client.destroyed)
}

/**
 * One step of {@link rawRequest}: bytes to write, or a condition on everything received so far
 * (as latin1) that must hold before the next step.
 */
export type RawStep = string | Buffer | ((received: string) => boolean)

/**
 * Runs `steps` on a raw socket and resolves with everything the server sent once it closes the
 * connection (or, with `until`, once the bytes received satisfy it: the client then closes).
 * Before each write after the first, a server of {@link startServer} has read every byte
 * written so far, so the pieces reach it as separate reads (`delay` adds a pause on top, for a
 * dribbling client).
 * Rejects if this does not happen within `timeout` (default {@link DEADLINE}) ms.
 */
export function rawRequest(
  port: number,
  data: RawStep | RawStep[],
  opts: {
    timeout?: number
    delay?: number
    path?: string
    until?: (received: string) => boolean
  } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = opts.path ? connect(opts.path) : connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const received = () => Buffer.concat(chunks).toString('latin1')
    const steps = Array.isArray(data) ? data : [data]
    let closed = false
    let wake: (() => void) | null = null
    const finish = (error?: Error) => {
      closed = true
      clearTimeout(timer)
      wake?.()
      if (error) reject(error)
      else resolve(received())
    }
    const timeout = opts.timeout ?? DEADLINE
    const timer = setTimeout(() => {
      socket.destroy()
      finish(
        new Error(
          `rawRequest: the server did not close the connection within ${timeout} ms; received ${JSON.stringify(received())}`,
        ),
      )
    }, timeout)
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      wake?.()
      if (opts.until?.(received())) {
        socket.destroy()
        finish()
      }
    })
    socket.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ECONNRESET') finish()
      else finish(e)
    })
    socket.on('close', () => finish())
    socket.on('connect', async () => {
      let written = 0
      for (const step of steps) {
        if (closed) return
        if (typeof step === 'function') {
          while (!closed && !step(received())) await new Promise<void>((r) => (wake = r))
          wake = null
          continue
        }
        if (written > 0) {
          // Only a server of startServer() can be watched; the overall deadline bounds the wait.
          if (!opts.path && accepted.has(port))
            await serverHasRead(port, socket, written).catch(() => {})
          if (opts.delay) await sleep(opts.delay)
          if (closed) return
        }
        socket.write(step)
        written += Buffer.byteLength(step)
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

/** Resolves after `ms`: for an app or a client that is slow on purpose, never to wait for an event. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Resolves after one turn of the event loop: every promise reaction already queued (such as the
 * server's own handling of an app that just returned) has run.
 */
export const turn = () => new Promise<void>((r) => setImmediate(r))

/** Polls `check` until it is true (or fails after `timeout` ms). */
export async function until(check: () => boolean, timeout = DEADLINE): Promise<void> {
  const end = Date.now() + timeout
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(5)
  }
}

/** An application that counts its calls that have returned or thrown. */
export interface TrackedApp extends Application {
  /** Resolves once `count` calls have settled and the server has handled their outcome. */
  settled(count?: number): Promise<void>
}

/**
 * Wraps `app` so that a test can wait for it to be done, before asserting what the server did
 * (or did not) log about it.
 */
export function tracked(app: Application): TrackedApp {
  let done = 0
  const count = () => {
    done++
  }
  const wrapped = ((scope, receive, send) => {
    const call = app(scope, receive, send)
    call.then(count, count)
    return call
  }) as TrackedApp
  wrapped.settled = async (n = 1) => {
    await until(() => done >= n)
    // The server reacts to the same promise: one turn later its reactions have run too.
    await turn()
  }
  return wrapped
}

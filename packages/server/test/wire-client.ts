/**
 * A raw TCP client for the hostile-input tests: what the server sends, byte for byte, and
 * whether it closed the connection. Everything waits on socket events; the deadline only
 * fails a test that would otherwise hang.
 */
import { connect, type Socket } from 'node:net'

/** What a raw exchange saw. */
export interface RawAnswer {
  /** Everything the server sent, as latin1. */
  text: string
  /** Whether the server closed (or reset) the connection before the deadline. */
  closed: boolean
}

/** A raw connection that collects what the server sends. */
export interface RawConnection {
  readonly socket: Socket
  /** Everything received so far, as latin1. */
  received(): string
  /** Resolves once `check(received)` holds; rejects at the deadline or if the socket closes first. */
  waitFor(check: (received: string) => boolean, deadline?: number): Promise<string>
  /** Resolves when the server has closed the connection; `closed: false` at the deadline. */
  closed(deadline?: number): Promise<RawAnswer>
}

/** Opens a raw connection to 127.0.0.1:`port`. */
export async function openRaw(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  let ended = false
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const fn of [...listeners]) fn()
  }
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    notify()
  })
  socket.on('error', () => {}) // a reset is a close here
  socket.on('close', () => {
    ended = true
    notify()
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const received = () => Buffer.concat(chunks).toString('latin1')
  const wait = <T>(done: () => T | undefined, deadline: number, onTimeout: () => T | Error) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = done()
        if (value === undefined) return
        cleanup()
        resolve(value)
      }
      const timer = setTimeout(() => {
        cleanup()
        const value = onTimeout()
        if (value instanceof Error) reject(value)
        else resolve(value)
      }, deadline)
      const cleanup = () => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })
  return {
    socket,
    received,
    waitFor: (check, deadline = 10_000) =>
      wait(
        () => {
          const text = received()
          if (check(text)) return text
          if (ended) throw new Error(`connection closed before the condition held: ${text}`)
          return undefined
        },
        deadline,
        () => new Error(`condition not met in time; received: ${received().slice(0, 500)}`),
      ),
    closed: (deadline = 10_000) =>
      wait<RawAnswer>(
        () => (ended ? { text: received(), closed: true } : undefined),
        deadline,
        () => {
          socket.destroy()
          return { text: received(), closed: false }
        },
      ),
  }
}

/** Sends `data` on a new connection and waits for the server to close it (or the deadline). */
export async function rawExchange(
  port: number,
  data: string | Buffer,
  deadline = 10_000,
): Promise<RawAnswer> {
  const connection = await openRaw(port)
  connection.socket.write(data)
  return connection.closed(deadline)
}

/** The status lines of the responses in a raw stream. */
export function statuses(raw: string): string[] {
  return raw.match(/HTTP\/1\.[01] \d{3}[^\r\n]*/g) ?? []
}

/** The body of the first response (after its head), for responses with a Content-Length. */
export function firstBody(raw: string): string {
  const head = raw.indexOf('\r\n\r\n')
  const length = /content-length: (\d+)/i.exec(raw.slice(0, head))
  const start = head + 4
  return length ? raw.slice(start, start + Number(length[1])) : raw.slice(start)
}

/**
 * Helpers of the middleware tests: reading a response body chunk by chunk on both transports
 * (and leaving mid-stream), gates to pace streaming handlers, and waiting for a condition
 * (never for a time: the suite runs on loaded machines too).
 */
import type { Application } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { request } from 'undici'
import type { Client } from './both.ts'

/** A response whose body is read as it arrives. */
export interface OpenStream {
  status: number
  header(name: string): string | undefined
  /** The next chunk, or `null` at the end. */
  next(): Promise<Uint8Array | null>
  /** The client leaves. */
  abort(): void
}

/** Opens `path` on the transport of `client` (`app` is the app that transport serves). */
export async function openStream(
  client: Client,
  app: Application,
  path: string,
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  if (client.transport === 'memory') {
    const res = await createTestClient(app, { rethrow: false }).stream(path, { headers })
    return {
      status: res.status,
      header: (name) => res.header(name),
      next: () => res.read(),
      abort: () => res.disconnect(),
    }
  }
  const controller = new AbortController()
  const res = await request(`${client.url}${path}`, { headers, signal: controller.signal })
  const chunks = res.body[Symbol.asyncIterator]()
  return {
    status: res.statusCode,
    header: (name) => {
      const value = res.headers[name.toLowerCase()]
      return Array.isArray(value) ? value.join(', ') : value
    },
    async next() {
      const step = await chunks.next()
      return step.done ? null : new Uint8Array(step.value as Buffer)
    },
    abort: () => controller.abort(),
  }
}

/** A promise to open from the test: `wait()` in the handler, `open()` in the test. */
export interface Gate {
  wait(): Promise<void>
  open(): void
}

/** A new, closed gate. */
export function gate(): Gate {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { wait: () => opened, open }
}

/**
 * How long a test waits for something that must happen before it fails: far above what it
 * takes, so a loaded machine slows the suite down instead of failing it.
 */
export const DEADLINE = 10_000

/** Resolves once `check()` is truthy; rejects after `ms`. */
export async function waitFor<T>(check: () => T | undefined, ms = DEADLINE): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() > deadline) throw new Error('waitFor: timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Resolves after one turn of the event loop: every promise reaction and callback already
 * queued has run.
 */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Rejects if `promise` takes longer than `ms` (so a stalled stream fails clearly). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Every `vary` field of a response, lowercased. */
export function varyOf(headers: ReadonlyArray<readonly [string, string]>): string[] {
  return headers
    .filter(([name]) => name === 'vary')
    .flatMap(([, value]) => value.split(','))
    .map((field) => field.trim().toLowerCase())
}

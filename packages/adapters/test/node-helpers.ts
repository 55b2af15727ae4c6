/**
 * Test plumbing for the node adapter: one request shape run two ways, in memory through the
 * protocol's test client and over a real socket through `serve()` and undici.
 */
import type { Application } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { type Logger, type ServerHandle, serve } from '@tsgi/server'
import { request } from 'undici'

/** A request, transport-neutral. */
export interface Hit {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string
}

/** A response, transport-neutral: header names lowercased, every value kept separate. */
export interface Got {
  status: number
  headers: Array<[string, string]>
  text: string
}

/** The values of `name` in `got`. */
export function values(got: Got, name: string): string[] {
  return got.headers.filter(([n]) => n === name).map(([, v]) => v)
}

/** Runs requests against an app. */
export interface Transport {
  name: string
  hit(hit: Hit): Promise<Got>
  close(): Promise<void>
}

/** In memory: the protocol's strict test client. */
export function memory(app: Application, rootPath = ''): Transport {
  const client = createTestClient(app, { rootPath })
  return {
    name: 'memory',
    async hit({ method, path, headers, body }) {
      const res = await client.request(path, { method, headers, body })
      return {
        status: res.status,
        headers: res.headers.map(([n, v]) => [n.toLowerCase(), v]),
        text: res.text(),
      }
    },
    async close() {},
  }
}

/** Errors the wire server logged (application errors it caught). */
export const logged: unknown[] = []

const errors: Logger = {
  enabled: (level) => level === 'error',
  error: (_message, error) => {
    logged.push(error)
  },
  warn() {},
  info() {},
  debug() {},
  access() {},
}

/** Over a real socket: `serve()` on an ephemeral port, undici as the client. */
export async function wire(app: Application): Promise<Transport> {
  const server: ServerHandle = await serve(app, { port: 0, host: '127.0.0.1', logger: errors })
  return {
    name: 'wire',
    async hit({ method, path, headers, body }) {
      const res = await request(server.url + path, { method: method ?? 'GET', headers, body })
      const text = await res.body.text()
      const list: Array<[string, string]> = []
      for (const [n, v] of Object.entries(res.headers)) {
        for (const value of Array.isArray(v) ? v : [v ?? '']) list.push([n, value])
      }
      return { status: res.statusCode, headers: list, text }
    },
    close: () => server.close(),
  }
}

/** Polls `condition` until it holds (fails after `ms`). */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setImmediate(r))
  }
}

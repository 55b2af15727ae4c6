/**
 * Runs each integration test twice: in memory through the protocol's test client, and over a
 * real socket through the reference server (h3's convention). Tests get one `Client` API.
 */
import type { Application, HeaderList } from '@tsgi/protocol'
import { createTestClient, type TestClient } from '@tsgi/protocol/testing'
import { type ServerHandle, serve } from '@tsgi/server'
import { request as undiciRequest } from 'undici'
import { afterAll, beforeAll, describe } from 'vitest'

/** A request, the same for both transports. */
export interface ClientRequest {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  json?: unknown
}

/** A buffered response, the same for both transports. */
export interface ClientResponse {
  status: number
  headers: HeaderList
  header(name: string): string | undefined
  body: Uint8Array
  text(): string
  json<T = unknown>(): T
}

/** A client for the app under test. */
export interface Client {
  /** `memory` or `socket`. */
  readonly transport: 'memory' | 'socket'
  request(path: string, init?: ClientRequest): Promise<ClientResponse>
  /** The server's base URL (socket transport only). */
  readonly url: string
}

function response(status: number, headers: HeaderList, body: Uint8Array): ClientResponse {
  return {
    status,
    headers,
    body,
    header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
    text: () => Buffer.from(body).toString('utf8'),
    json: <T>() => JSON.parse(Buffer.from(body).toString('utf8')) as T,
  }
}

const quiet = { enabled: () => false, error() {}, warn() {}, info() {}, debug() {}, access() {} }

/**
 * Declares `body`'s tests for both transports. `makeApp` is called once per transport; the
 * app's lifespan runs before the tests and shuts down after them.
 */
export function describeBoth(
  title: string,
  makeApp: () => Application,
  body: (client: () => Client) => void,
): void {
  describe.each(['memory', 'socket'] as const)(`${title} (%s)`, (transport) => {
    let current: Client
    let memory: TestClient | undefined
    let server: ServerHandle | undefined
    beforeAll(async () => {
      const app = makeApp()
      if (transport === 'memory') {
        const client = createTestClient(app, { rethrow: false })
        memory = client
        await client.startup()
        current = {
          transport,
          url: 'http://testserver',
          async request(path, init = {}) {
            const res = await client.request(path, {
              method: init.method,
              headers: init.headers,
              body: init.body,
              json: init.json,
            })
            return response(
              res.status,
              res.headers.map(([n, v]) => [n.toLowerCase(), v]),
              res.body,
            )
          },
        }
      } else {
        server = await serve(app, { port: 0, logger: quiet, lifespan: 'auto' })
        const url = server.url
        current = {
          transport,
          url,
          async request(path, init = {}) {
            const headers: Record<string, string> = { ...init.headers }
            let payload = init.body
            if (init.json !== undefined) {
              payload = JSON.stringify(init.json)
              headers['content-type'] ??= 'application/json'
            }
            const res = await undiciRequest(`${url}${path}`, {
              method: (init.method ?? 'GET') as 'GET',
              headers,
              body: payload,
            })
            const bytes = new Uint8Array(await res.body.arrayBuffer())
            const list: HeaderList = []
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : [value])
                if (v !== undefined) list.push([name, v])
            }
            return response(res.statusCode, list, bytes)
          },
        }
      }
    })
    afterAll(async () => {
      await memory?.shutdown()
      await server?.close()
    })
    body(() => current)
  })
}

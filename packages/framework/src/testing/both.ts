/**
 * Testing an app both ways, as the framework tests itself: in memory through the protocol's
 * test client (fast, strict: a contract violation fails loudly) and over a real socket through
 * the reference server (what users' clients will meet), with one {@link Client} API.
 *
 * @module
 */
import type { Application } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import {
  type Client,
  clientResponse,
  type OpenClient,
  payloadOf,
  TRANSPORTS,
  type Transport,
} from './client.ts'
import { serveOnSocket } from './socket.ts'

/**
 * Starts `app` on `transport` (lifespan startup included) and returns a client for it; `close()`
 * shuts it down. The socket transport needs `@tsgi/server` installed (an optional peer
 * dependency): without it this rejects with `TSGI_FW_ERR_TESTING_SERVER_MISSING`.
 *
 * In memory, an error the app throws becomes a 500 (as a server would answer), not a rejection.
 *
 * @example
 * ```ts
 * await using client = await openClient(app, 'socket')
 * const res = await client.request('/users/1')
 * ```
 */
export async function openClient(app: Application, transport: Transport): Promise<OpenClient> {
  if (transport === 'memory') {
    const memory = createTestClient(app, { rethrow: false })
    await memory.startup()
    const close = () => memory.shutdown()
    return {
      transport,
      url: 'http://testserver',
      async request(path, init = {}) {
        const { headers, body } = payloadOf(init)
        const res = await memory.request(path, { method: init.method, headers, body })
        return clientResponse(
          res.status,
          res.headers.map(([name, value]) => [name.toLowerCase(), value]),
          res.body,
        )
      },
      close,
      [Symbol.asyncDispose]: close,
    }
  }
  if (transport !== 'socket') throw new TypeError(`unknown transport: ${String(transport)}`)
  const served = await serveOnSocket(app)
  const close = () => served.close()
  return {
    transport,
    url: served.url,
    request: (path, init = {}) => served.request(path, init),
    close,
    [Symbol.asyncDispose]: close,
  }
}

/** The parts of a test runner {@link createDescribeBoth} uses (vitest, jest, `node:test`…). */
export interface TestRunner {
  /** Declares a group of tests. */
  describe(title: string, body: () => void): unknown
  /** Runs before the group's tests (`before` in `node:test`). */
  beforeAll(hook: () => Promise<void>): unknown
  /** Runs after the group's tests (`after` in `node:test`). */
  afterAll(hook: () => Promise<void>): unknown
}

/**
 * Declares `body`'s tests once per transport, in groups titled `title (memory)` and
 * `title (socket)`. `makeApp` (which may be async) is called once per transport; the app's
 * lifespan starts before the group's tests and shuts down after them. `client()` is the
 * current transport's client.
 */
export type DescribeBoth = (
  title: string,
  makeApp: () => Application | Promise<Application>,
  body: (client: () => Client) => void,
) => void

/**
 * Makes {@link DescribeBoth} for a test runner: the kit imports none, so it works with any.
 *
 * @example
 * ```ts
 * import { afterAll, beforeAll, describe, expect, test } from 'vitest'
 * import { createDescribeBoth } from '@tsgi/framework/testing'
 * const describeBoth = createDescribeBoth({ describe, beforeAll, afterAll })
 *
 * describeBoth('users', () => makeApp(), (client) => {
 *   test('GET /users/1', async () => {
 *     expect((await client().request('/users/1')).json()).toEqual({ id: 1 })
 *   })
 * })
 * ```
 */
export function createDescribeBoth(runner: TestRunner): DescribeBoth {
  return (title, makeApp, body) => {
    for (const transport of TRANSPORTS) {
      runner.describe(`${title} (${transport})`, () => {
        let current: OpenClient | undefined
        runner.beforeAll(async () => {
          current = await openClient(await makeApp(), transport)
        })
        runner.afterAll(async () => {
          await current?.close()
        })
        body(() => {
          if (current === undefined) throw new Error(`the ${transport} client is not open yet`)
          return current
        })
      })
    }
  }
}

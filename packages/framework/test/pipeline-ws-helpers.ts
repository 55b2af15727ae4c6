/**
 * One WebSocket client API for both transports: in memory through the protocol's test client,
 * and over a real socket through the reference server with the `ws` client. A handshake either
 * is denied (status, headers, body of the denial response) or opens a session.
 */
import type { Application } from '@tsgi/protocol'
import { createTestClient, type TestClient, WebSocketDeniedError } from '@tsgi/protocol/testing'
import { type ServerHandle, serve } from '@tsgi/server'
import { afterAll, beforeAll, describe } from 'vitest'
import WebSocketClient from 'ws'

/** How a handshake went. */
export type Handshake =
  | { denied: true; status: number; header(name: string): string | undefined; text: string }
  | { denied: false; message(): Promise<string>; closed: Promise<number> }

/** Opens `path` as a WebSocket. */
export interface WsClient {
  readonly transport: 'memory' | 'socket'
  connect(path: string): Promise<Handshake>
}

const quiet = { enabled: () => false, error() {}, warn() {}, info() {}, debug() {}, access() {} }

function memoryClient(client: TestClient): WsClient {
  return {
    transport: 'memory',
    async connect(path) {
      try {
        const ws = await client.websocket(path)
        return {
          denied: false,
          message: async () => String(await ws.receive()),
          closed: ws.closed.then((info) => info.code),
        }
      } catch (error) {
        if (!(error instanceof WebSocketDeniedError)) throw error
        return {
          denied: true,
          status: error.status,
          header: (name) => error.header(name),
          text: error.text(),
        }
      }
    },
  }
}

function socketClient(url: string): WsClient {
  return {
    transport: 'socket',
    connect(path) {
      return new Promise<Handshake>((resolve, reject) => {
        const ws = new WebSocketClient(`${url.replace(/^http/, 'ws')}${path}`)
        const messages: string[] = []
        const waiting: Array<(m: string) => void> = []
        ws.on('message', (data) => {
          const text = String(data)
          const waiter = waiting.shift()
          if (waiter) waiter(text)
          else messages.push(text)
        })
        const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)))
        ws.on('open', () =>
          resolve({
            denied: false,
            message: () =>
              new Promise<string>((r) => {
                const m = messages.shift()
                if (m !== undefined) r(m)
                else waiting.push(r)
              }),
            closed,
          }),
        )
        ws.on('unexpected-response', (_req, res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            resolve({
              denied: true,
              status: res.statusCode ?? 0,
              header: (name) => {
                const v = res.headers[name.toLowerCase()]
                return Array.isArray(v) ? v.join(', ') : v
              },
              text: Buffer.concat(chunks).toString('utf8'),
            })
            ws.terminate()
          })
        })
        ws.on('error', (error) => reject(error))
      })
    },
  }
}

/** Declares `body`'s tests for both transports, with a fresh app per transport. */
export function describeWsBoth(
  title: string,
  makeApp: () => Application,
  body: (client: () => WsClient) => void,
): void {
  describe.each(['memory', 'socket'] as const)(`${title} (%s)`, (transport) => {
    let current: WsClient
    let memory: TestClient | undefined
    let server: ServerHandle | undefined
    beforeAll(async () => {
      const app = makeApp()
      if (transport === 'memory') {
        memory = createTestClient(app, { rethrow: false })
        await memory.startup()
        current = memoryClient(memory)
      } else {
        server = await serve(app, { port: 0, logger: quiet, lifespan: 'auto' })
        current = socketClient(server.url)
      }
    })
    afterAll(async () => {
      await memory?.shutdown()
      await server?.close()
    })
    body(() => current)
  })
}

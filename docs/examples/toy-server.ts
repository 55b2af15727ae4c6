import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type Application,
  ClientDisconnectedError,
  decodePath,
  type HTTPIncomingEvent,
  HTTPResponseTracker,
  type HTTPScope,
  type SendEvent,
  TSGI_VERSION,
} from '@tsgi/protocol'

/**
 * A toy TSGI server: HTTP only, no lifespan, no limits — enough to show the moving parts.
 * The protocol's HTTPResponseTracker enforces the ordering rules, so this server rejects the
 * same mistakes the reference server does.
 */
export function toyServe(app: Application): Server {
  return createServer((req, res) => {
    const [rawPath = '/', queryString = ''] = (req.url ?? '/').split('?', 2)
    const headers: [string, string][] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!])
    const scope: HTTPScope = {
      type: 'http',
      tsgi: TSGI_VERSION,
      httpVersion: req.httpVersion === '1.0' ? '1.0' : '1.1',
      method: req.method ?? 'GET',
      scheme: 'http',
      path: decodePath(rawPath),
      rawPath,
      queryString,
      rootPath: '',
      headers,
      client: { host: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 },
      server: null,
      state: {},
      extensions: {},
    }
    const tracker = new HTTPResponseTracker(scope.method, scope.extensions)
    const chunks = req[Symbol.asyncIterator]()
    let gone = false
    res.on('close', () => {
      gone = !res.writableFinished
    })
    const receive = async (): Promise<HTTPIncomingEvent> => {
      if (gone || res.writableFinished) return { type: 'http.disconnect' }
      const next = await chunks.next()
      return {
        type: 'http.request',
        body: next.done ? new Uint8Array() : next.value,
        moreBody: !next.done,
      }
    }
    const send = async (event: SendEvent): Promise<void> => {
      if (gone) throw new ClientDisconnectedError()
      tracker.accept(event) // throws on anything out of order or malformed
      if (event.type === 'http.response.start') res.writeHead(event.status, event.headers?.flat())
      else if (event.type === 'http.response.body') {
        if (event.body && !tracker.bodyless) res.write(event.body)
        if (!event.moreBody) res.end()
      }
    }
    app(scope, receive, send).catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
      else res.destroy()
    })
  })
}

export async function main(): Promise<unknown> {
  const { app } = await import('./hello-protocol.ts')
  const server = toyServe(app).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  try {
    const res = await fetch(`http://127.0.0.1:${port}/toy`, { method: 'POST', body: 'abc' })
    return await res.json() // { path: '/toy', bytes: 3 }
  } finally {
    server.close()
  }
}

/**
 * The socket transport of {@link openClient}: the app served by the reference server
 * (`@tsgi/server`, an optional peer dependency loaded only here, on first use) on a free port,
 * and requests sent over TCP with `node:http`, which neither decodes nor rewrites what it gets.
 *
 * @module
 */
import { Agent, request as httpRequest } from 'node:http'
import { type Application, type HeaderList, TSGIError } from '@tsgi/protocol'
import { type ClientRequest, type ClientResponse, clientResponse, payloadOf } from './client.ts'

/** Stable codes of the testing kit's errors. */
export const TestingErrorCode = {
  /** The socket transport needs `@tsgi/server`, and it is not installed. */
  serverMissing: 'TSGI_FW_ERR_TESTING_SERVER_MISSING',
} as const

/** What the socket transport needs of `@tsgi/server`. */
interface ServerModule {
  serve(
    app: Application,
    options: { port: number; host: string; logger: typeof quiet; lifespan: 'auto' },
  ): Promise<{ url: string; close(): Promise<void> }>
}

/** Loads the reference server, or throws `TestingErrorCode.serverMissing` naming the fix. */
export async function loadServer(
  load: () => Promise<unknown> = () => import('@tsgi/server'),
): Promise<ServerModule> {
  try {
    return (await load()) as ServerModule
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error
    throw new TSGIError(
      TestingErrorCode.serverMissing,
      'the socket transport of @tsgi/framework/testing serves the app with @tsgi/server, ' +
        'which is not installed: add it as a dev dependency (npm install -D @tsgi/server)',
      { cause: error },
    )
  }
}

/** The reference server's logger, silenced: the tests assert on responses, not on logs. */
const quiet = { enabled: () => false, error() {}, warn() {}, info() {}, debug() {}, access() {} }

/** A served app: its URL, a request function and a close. */
export interface Served {
  url: string
  request(path: string, init: ClientRequest): Promise<ClientResponse>
  close(): Promise<void>
}

/** Serves `app` on `127.0.0.1` and a free port, lifespan included. */
export async function serveOnSocket(app: Application): Promise<Served> {
  const { serve } = await loadServer()
  const server = await serve(app, { port: 0, host: '127.0.0.1', logger: quiet, lifespan: 'auto' })
  // An agent of our own: its kept-alive connections end with this server, not in a later test.
  const agent = new Agent({ keepAlive: true })
  return {
    url: server.url,
    request: (path, init) => send(agent, `${server.url}${path}`, init),
    async close() {
      agent.destroy()
      await server.close()
    },
  }
}

function send(agent: Agent, url: string, init: ClientRequest): Promise<ClientResponse> {
  const { headers, body } = payloadOf(init)
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const list: HeaderList = []
        const raw = res.rawHeaders
        for (let i = 0; i < raw.length; i += 2) list.push([raw[i]!.toLowerCase(), raw[i + 1]!])
        resolve(clientResponse(res.statusCode ?? 0, list, new Uint8Array(Buffer.concat(chunks))))
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

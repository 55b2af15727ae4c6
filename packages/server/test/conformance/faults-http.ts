/**
 * Faults injected at node:http, in front of the server's own listeners: a request rewritten
 * before the server sees it, bytes written where none belong, a parser error swallowed, a
 * pause undone. Each makes the reference server behave as a server with that one bug would.
 * Test code for fault-server.ts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

type Listener = (...args: unknown[]) => void

/** Sets the raw header `name` (every occurrence) to `value`, or removes it when undefined. */
function rewriteHeader(req: IncomingMessage, name: string, value: string | undefined): void {
  const raw = req.rawHeaders
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]!.toLowerCase() !== name) continue
    if (value === undefined) raw.splice(i, 2)
    else raw[i + 1] = value
  }
  if (value === undefined) delete req.headers[name]
  else req.headers[name] = value
}

/** Runs `fix` on every request before the server's own `request` listener sees it. */
const beforeRequests =
  (fix: (req: IncomingMessage, res: ServerResponse) => void) =>
  (server: Server): void => {
    server.prependListener('request', fix)
  }

/** Each fault: what it does to the node:http server. */
export const httpFaults: Record<string, (server: Server) => void> = {
  // Body bytes after a HEAD, 204 or 304 response, glued in front of whatever comes next.
  'bytes-after-bodyless': beforeRequests((req, res) => {
    const socket = req.socket
    res.once('finish', () => {
      if (req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304)
        socket.write('stray body bytes')
    })
  }),
  // Host taken as sent: an invalid value replaced by a valid one, so it is never refused, and
  // an absolute-form target cut to its path, so that the Host field stays what the scope says.
  'host-unchecked': beforeRequests((req) => {
    const host = req.headers.host
    if (host !== undefined && /[\s/@?#]/.test(host)) rewriteHeader(req, 'host', 'unchecked.test')
    const url = req.url ?? '/'
    const scheme = url.indexOf('://')
    if (url.charCodeAt(0) !== 47 && scheme !== -1) {
      const slash = url.indexOf('/', scheme + 3)
      req.url = slash === -1 ? '/' : url.slice(slash)
    }
  }),
  // Transfer-Encoding not checked: an unknown coding passes as chunked, and an HTTP/1.0
  // request's Transfer-Encoding is dropped after node:http used it to read the body.
  'te-unchecked': beforeRequests((req) => {
    const te = req.headers['transfer-encoding']
    if (te === undefined) return
    if (req.httpVersionMinor === 0) rewriteHeader(req, 'transfer-encoding', undefined)
    else if (/chunked\s*$/i.test(te)) rewriteHeader(req, 'transfer-encoding', 'chunked')
  }),
  // A request body whose framing breaks ends in a silent close: no 400, no 413.
  'framing-silent': (server) => {
    const own = server.listeners('clientError') as Listener[]
    server.removeAllListeners('clientError')
    server.on('clientError', (error: Error, socket: Socket) => {
      const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
      if (pending && !pending.writableFinished && pending.req?.complete === false) {
        socket.destroy()
        return
      }
      for (const l of own) l.call(server, error, socket)
    })
  },
  // A request-target too long for the head answered like any oversized head: 431, not 414.
  '431-for-long-target': (server) => {
    const own = server.listeners('clientError') as Listener[]
    server.removeAllListeners('clientError')
    server.on('clientError', (error: Error, socket: Socket) => {
      const end = socket.end.bind(socket) as (...args: unknown[]) => Socket
      socket.end = ((data: unknown, ...rest: unknown[]) =>
        end(
          typeof data === 'string'
            ? data.replace(/^HTTP\/1\.1 414 [^\r]*/, 'HTTP/1.1 431 Request Header Fields Too Large')
            : data,
          ...rest,
        )) as Socket['end']
      for (const l of own) l.call(server, error, socket)
    })
  },
  // Pipelined requests queued without bound in front of the server, which so never has more
  // than one per connection to queue (and pause for): node:http reads on, as before the fix.
  'pipeline-unbounded': (server) => {
    const own = server.listeners('request') as Listener[]
    server.removeAllListeners('request')
    const queues = new WeakMap<Socket, Array<() => void>>()
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket
      const queue = queues.get(socket) ?? []
      queues.set(socket, queue)
      const run = () => {
        res.once('close', () => {
          queue.shift()
          queue[0]?.()
        })
        for (const l of own) l.call(server, req, res)
      }
      if (queue.push(run) === 1) run()
    })
  },
}

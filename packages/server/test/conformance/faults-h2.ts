/**
 * HTTP/2 faults for fault-server.ts: the reference server made to break one RFC 9113 / SPEC
 * §5.10 rule, for the h2c run of the faulty-server matrix. Injected around the application
 * (its scope, receive or send, for HTTP/2 scopes only), or by listeners on the node:http2
 * server the reference server creates for its h2 side (caught by wrapping `createServer` of
 * node:http2 before `serve()` runs), which wrap one stream's or session's methods — never by
 * patching the server's sources. Test code.
 */
import http2, {
  constants,
  type Http2Server,
  type Http2Session,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2'
import { syncBuiltinESMExports } from 'node:module'
import type { Application, HTTPScope, Receive, Send } from '@tsgi/protocol'

type Wrap = (scope: HTTPScope, receive: Receive, send: Send) => [HTTPScope, Receive, Send]

/** The application with `wrap` applied to its HTTP/2 requests (HTTP/1.1 ones go through as is). */
const onH2 =
  (inner: Application, wrap: Wrap): Application =>
  async (scope, receive, send) => {
    if (scope.type !== 'http' || scope.httpVersion !== '2') return inner(scope, receive, send)
    return inner(...wrap(scope, receive, send))
  }

/**
 * A response field the app sent that RFC 9113 §8.2.2 forbids, smuggled past the server's own
 * filter under this name (response-head.ts drops the real ones before node:http2 sees them)
 * and put back under its own name by the stream fault below.
 */
const SMUGGLED = 'x-fault-connection-specific-'
const CONNECTION_SPECIFIC = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]

/** The application wrapped by each app-level HTTP/2 fault (by name). */
export function h2AppFaults(inner: Application): Record<string, Application> {
  return {
    // The request's pseudo-header fields left in scope.headers, as node:http2 hands them over.
    'h2-pseudo-headers-in-scope': onH2(inner, (s, r, w) => [
      {
        ...s,
        headers: [
          [':method', s.method],
          [':path', s.queryString ? `${s.rawPath}?${s.queryString}` : s.rawPath],
          [':scheme', s.scheme],
          ...s.headers.filter(([n]) => n !== 'host'),
          [':authority', s.headers.find(([n]) => n === 'host')?.[1] ?? ''],
        ],
      },
      r,
      w,
    ]),
    // No `host` field made from :authority (SPEC §5.10.1): the app cannot tell the authority.
    'h2-no-host-from-authority': onH2(inner, (s, r, w) => [
      { ...s, headers: s.headers.filter(([n]) => n !== 'host') },
      r,
      w,
    ]),
    // A client's RST_STREAM never becomes http.disconnect: receive() hangs instead.
    'h2-rst-no-disconnect': onH2(inner, (s, r, w) => [
      s,
      async () => {
        const event = await r()
        return event.type === 'http.disconnect' ? new Promise(() => {}) : event
      },
      w,
    ]),
    // The app's connection-specific response fields passed on to node:http2 (see SMUGGLED).
    'h2-connection-headers-kept': onH2(inner, (s, r, w) => [
      s,
      r,
      (e) => {
        if (e.type !== 'http.response.start' || e.headers === undefined) return w(e)
        const headers = e.headers.map(([n, v]): [string, string] =>
          CONNECTION_SPECIFIC.includes(n.toLowerCase())
            ? [`${SMUGGLED}${n.toLowerCase()}`, v]
            : [n, v],
        )
        return w({ ...e, headers })
      },
    ]),
  }
}

/** What each stream- or session-level fault does to the reference server's h2 side. */
export const h2ServerFaults: Record<string, (server: Http2Server) => void> = {
  // One stream's failure (the reset of a response cut short) takes the whole session down:
  // every other stream on it dies, and the client must reconnect.
  'h2-session-dies-with-stream': onStreams((stream) => {
    const destroy = stream.destroy.bind(stream)
    stream.destroy = ((error?: Error) => {
      if (error === undefined) return destroy()
      stream.session?.destroy(error, constants.NGHTTP2_INTERNAL_ERROR)
      return stream
    }) as ServerHttp2Stream['destroy']
  }),
  // A response cut short ends the stream normally (END_STREAM) instead of RST_STREAM: the
  // client takes a short body for a complete one.
  'h2-end-instead-of-reset': onStreams((stream) => {
    const destroy = stream.destroy.bind(stream)
    stream.destroy = ((error?: Error) => {
      if (error === undefined || stream.writableEnded) return destroy(error)
      stream.end()
      return stream
    }) as ServerHttp2Stream['destroy']
  }),
  // The smuggled connection-specific fields put back into the head, as a server that does not
  // drop them would pass them on.
  'h2-connection-headers-kept': onStreams((stream) => {
    const respond = stream.respond.bind(stream) as (headers: unknown, options: unknown) => void
    const unsmuggle = (name: string) =>
      name.startsWith(SMUGGLED) ? name.slice(SMUGGLED.length) : name
    stream.respond = ((headers: OutgoingHttpHeaders | string[] = {}, options?: unknown) => {
      // The head comes as an object or as raw field lines (`[name, value, …]`).
      if (Array.isArray(headers))
        return respond(
          headers.map((x, i) => (i % 2 === 0 ? unsmuggle(x) : x)),
          options,
        )
      const out: OutgoingHttpHeaders = {}
      for (const [name, value] of Object.entries(headers)) out[unsmuggle(name)] = value
      respond(out, options)
    }) as ServerHttp2Stream['respond']
  }),
  // Writes that ignore the stream's flow-control window: every write reports the stream ready
  // for more, so send() never waits for the peer's WINDOW_UPDATE and the response piles up in
  // the server's memory.
  'h2-ignores-flow-control': onStreams((stream) => {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((...args: unknown[]) => {
      write(...args)
      return true
    }) as ServerHttp2Stream['write']
  }),
  // The request body read regardless of receive(): the stream's buffer made so large that
  // node:http2 keeps taking DATA (and granting window) while the app reads nothing (SPEC
  // §5.10.5). node:http2 has no option for it; its readable state's high-water mark is set.
  'h2-request-body-unbounded': onStreams((stream) => {
    const state = (stream as unknown as { _readableState: { highWaterMark: number } })
      ._readableState
    state.highWaterMark = 1024 ** 3
  }),
  // No GOAWAY at once on shutdown (SPEC §5.10.7): a session told to close gracefully goes on
  // as if nothing was said; it ends only when the server lets go of it (destroy, after its
  // streams and the linger, or at the deadline). node:http2 itself closes a session whose
  // peer sent GOAWAY (its 'goaway' event comes first): that close still goes through.
  'h2-no-goaway-on-shutdown': onSessions((session) => {
    const close = session.close.bind(session)
    let peerWentAway = false
    session.prependListener('goaway', () => {
      peerWentAway = true
    })
    session.close = ((callback?: () => void) => {
      if (peerWentAway) close(callback)
    }) as Http2Session['close']
  }),
}

/** A fault applied to every stream, before the server's own `stream` listener sees it. */
function onStreams(fault: (stream: ServerHttp2Stream) => void) {
  return (server: Http2Server) => {
    server.prependListener('stream', fault)
  }
}

/** A fault applied to every session, before the server's own `session` listener sees it. */
function onSessions(fault: (session: Http2Session) => void) {
  return (server: Http2Server) => {
    server.prependListener('session', fault)
  }
}

/**
 * Calls `each` with every node:http2 server created from now on (the reference server makes
 * one for its h2 side, inside `serve()`): node:http2's `createServer` is wrapped, and the ES
 * module bindings of node:http2 are synced so that the server's `import { createServer }`
 * sees the wrapper.
 */
export function onHttp2Servers(each: (server: Http2Server) => void): void {
  const create = http2.createServer
  http2.createServer = ((...args: Parameters<typeof create>) => {
    const server = create(...args)
    each(server)
    return server
  }) as typeof create
  syncBuiltinESMExports()
}

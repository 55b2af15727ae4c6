/**
 * One HTTP exchange between a TSGI server and a node:http listener: the request body pumped
 * from `receive()` on demand, the response bytes parsed back into TSGI events, and a client
 * disconnect turned into node's abort sequence exactly once.
 *
 * @module
 */
import { ServerResponse } from 'node:http'
import {
  type HeaderList,
  type HTTPOutgoingEvent,
  type HTTPScope,
  isClientDisconnected,
  type Receive,
  type Send,
} from '@tsgi/protocol'
import { NodeStatusError } from './errors.ts'
import { createRequest, hasBody } from './request.ts'
import { type ParsedPart, ResponseParser } from './response-parser.ts'
import { type SocketWrite, VirtualSocket } from './virtual-socket.ts'

/** A node:http request listener: `(req, res)`, as Express, Connect and `koa.callback()` are. */
export type NodeListener = (
  req: import('node:http').IncomingMessage,
  res: ServerResponse,
) => unknown

/** Options of `fromNodeListener`. */
export interface NodeListenerOptions {
  /**
   * Give the listener the full path in `req.url` even when the scope has a `rootPath`.
   * Default `false`: `req.url` is the path below `rootPath`, `req.originalUrl` the full one
   * and `req.baseUrl` the `rootPath`, as Express sets them for a mounted app.
   */
  keepRootPath?: boolean
}

/** Hop-by-hop fields: the TSGI server frames the response and owns the connection. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
])

function endToEnd(headers: HeaderList): { headers: HeaderList; announcesTrailers: boolean } {
  // One pass, no Set per response: node writes `connection: keep-alive` itself, and fields it
  // names are dropped anyway; only other names listed there need the second filter.
  const kept: HeaderList = []
  let listed: string[] | null = null
  let announcesTrailers = false
  for (const header of headers) {
    const lower = header[0].toLowerCase()
    if (!HOP_BY_HOP.has(lower)) {
      kept.push(header)
      continue
    }
    if (lower === 'trailer') announcesTrailers = true
    else if (lower === 'connection')
      // Fields named in `connection` are hop-by-hop too (RFC 9110 §7.6.1).
      for (const token of header[1].split(',')) {
        const name = token.trim().toLowerCase()
        if (name === '' || HOP_BY_HOP.has(name)) continue
        if (listed === null) listed = [name]
        else listed.push(name)
      }
  }
  if (listed === null) return { headers: kept, announcesTrailers }
  const named = listed
  return {
    headers: kept.filter(([name]) => !named.includes(name.toLowerCase())),
    announcesTrailers,
  }
}

function closeQuietly(res: ServerResponse, socket: VirtualSocket): void {
  res.emit('close')
  socket.destroy()
}

const connReset = (): Error => Object.assign(new Error('aborted'), { code: 'ECONNRESET' })

/** Drives one listener call for one `http` scope. */
export class NodeExchange {
  private readonly receive: Receive
  private readonly send: Send
  private readonly socket: VirtualSocket
  private readonly req: import('node:http').IncomingMessage
  private readonly res: ServerResponse
  private readonly parser: ResponseParser
  private readonly trailersOffered: boolean
  /**
   * HTTP/1.x without `content-length` or `transfer-encoding`: no body, so none is received
   * (HTTP/2 frames bodies without those headers, so there the body is read as usual).
   */
  private readonly bodiless: boolean
  private trailers = false
  private reading = false
  private watching = false
  private skippedEmpty = false
  /** The response's last event was handed to `send()`. */
  private lastSent = false
  private bodyDone = false
  private settled = false
  private resolve: () => void = () => {}
  private reject: (error: unknown) => void = () => {}

  constructor(scope: HTTPScope, receive: Receive, send: Send, options: NodeListenerOptions) {
    this.receive = receive
    this.send = send
    this.trailersOffered = scope.extensions['http.response.trailers'] !== undefined
    this.parser = new ResponseParser(scope.method)
    this.socket = new VirtualSocket(scope, (writes, done) => this.onWrite(writes, done))
    this.req = createRequest(scope, this.socket, options.keepRootPath === true)
    // An own `_read` survives Express swapping the prototype (as `new Readable({ read })` does).
    this.req._read = () => this.pull()
    const res = new ServerResponse(this.req)
    // Always frame (chunked unless a length is known), so the parser knows where the body ends,
    // even for HTTP/1.0 requests; the framing itself is stripped. The server adds `date`.
    res.useChunkedEncodingByDefault = true
    res.sendDate = false
    res.assignSocket(this.socket as never)
    res.on('finish', () => this.onFinish())
    // node:http emits the response's 'drain' from its connection listener, absent here.
    this.socket.on('drain', () => {
      if (res.writableNeedDrain) res.emit('drain')
    })
    this.res = res
    const empty = !hasBody(scope)
    this.bodiless = empty && scope.httpVersion !== '2'
    // The body end is pushed after the listener ran, as node's parser does for a GET.
    if (this.bodiless) this.bodyDone = true
    else if (empty) this.pull()
  }

  /** Calls `listener`; settles when the response is complete or the client left. */
  run(listener: NodeListener): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    try {
      const result = listener(this.req, this.res)
      if (result instanceof Promise) result.then(undefined, (error: unknown) => this.fail(error))
    } catch (error) {
      this.fail(error)
    }
    if (this.bodiless) {
      this.req.complete = true
      this.req.push(null)
      // Not needed when the listener answered at once (Express's res.json()): see watch().
      this.watch()
    }
    return done
  }

  private pull(): void {
    if (this.reading || this.bodyDone || this.settled) return
    this.reading = true
    this.receive().then(
      (event) => {
        this.reading = false
        if (event.type !== 'http.request') return this.abort()
        if (!event.moreBody) {
          this.bodyDone = true
          this.req.complete = true
          if (event.body.length > 0) this.req.push(event.body)
          this.req.push(null)
          this.watch()
        } else if (event.body.length === 0 || this.req.push(event.body)) {
          // push() true: the stream wants more. IncomingMessage keeps `readingMore` set (its
          // parser pushes on its own), so Readable would not call `_read` again by itself.
          this.pull()
        }
      },
      (error: unknown) => this.fail(error),
    )
  }

  /**
   * After the body, one pending `receive()` tells when the client leaves, before the response
   * or during it: it resolves `http.disconnect` then, or once the response is complete (SPEC
   * §5.3.4), when the exchange has already settled.
   */
  private watch(): void {
    // Once the last event is handed to send(), a client leaving shows as that send()
    // rejecting (which aborts): no receive() is needed to learn of it.
    if (this.watching || !this.bodyDone || this.settled || this.lastSent) return
    this.watching = true
    this.receive().then(
      (event) => {
        if (event.type === 'http.request' && this.bodiless && !this.skippedEmpty) {
          // The empty body of a bodiless request, never received before: wait on, once.
          this.skippedEmpty = true
          this.watching = false
          this.watch()
          return
        }
        // Once the last event is handed to send(), the server answers http.disconnect for a
        // complete response (§5.3.4), maybe before that send() resolves: not an abort. A client
        // leaving meanwhile makes that send() reject, which aborts.
        if (event.type === 'http.disconnect' && !this.lastSent) this.abort()
      },
      (error: unknown) => this.fail(error),
    )
  }

  private onWrite(writes: SocketWrite[], done: () => void): void {
    if (this.settled) return
    const events: HTTPOutgoingEvent[] = []
    const parser = this.parser
    try {
      for (const { chunk, encoding } of writes) {
        const parts =
          typeof chunk === 'string'
            ? parser.feedString(chunk, encoding === 'buffer' ? 'utf8' : encoding)
            : parser.feed(chunk)
        for (const part of parts) this.toEvents(part, events)
      }
    } catch (error) {
      this.fail(error)
      return
    }
    if (events.length === 0) {
      done()
      return
    }
    const complete = this.parser.done
    this.flush(events, complete).then(done, () => {})
  }

  private onFinish(): void {
    const end = this.parser.finish()
    const complete = (): void => {
      // As node:http after 'finish': the response detaches from the socket and emits 'close'.
      this.res.detachSocket(this.socket as never)
      // Destroyed on the next tick, not here: this runs inside the socket's write callback,
      // and a stream destroyed there builds an ERR_STREAM_DESTROYED (a stack trace) per request.
      process.nextTick(closeQuietly, this.res, this.socket)
    }
    if (end === null) {
      // Only an informational head was written (`res.status(101).end()`): no final response
      // will ever come, so fail now rather than leave the exchange waiting forever.
      const interim = this.parser.interim
      if (interim !== null) this.fail(new NodeStatusError(interim))
      complete()
      return
    }
    const events: HTTPOutgoingEvent[] = []
    this.toEvents(end, events)
    this.flush(events, true).then(complete, () => {})
  }

  private flush(events: HTTPOutgoingEvent[], complete: boolean): Promise<void> {
    if (complete) this.lastSent = true
    const sent =
      events.length === 1
        ? this.send(events[0] as HTTPOutgoingEvent)
        : Promise.all(events.map((event) => this.send(event)))
    return sent.then(
      () => {
        if (complete) this.succeed()
        else this.watch()
      },
      (error: unknown) => {
        if (isClientDisconnected(error)) this.abort()
        else this.fail(error)
        throw error
      },
    )
  }

  private toEvents(part: ParsedPart, events: HTTPOutgoingEvent[]): void {
    if (part.kind === 'head') {
      const { headers, announcesTrailers } = endToEnd(part.headers)
      this.trailers = announcesTrailers && this.trailersOffered
      events.push({
        type: 'http.response.start',
        status: part.status,
        headers,
        trailers: this.trailers,
      })
    } else if (part.kind === 'body') {
      // Already a copy where node may reuse the chunk's memory (the parser made it).
      if (part.body.length > 0)
        events.push({ type: 'http.response.body', body: part.body, moreBody: true })
    } else {
      const last = events.at(-1)
      if (last?.type === 'http.response.body') last.moreBody = false
      else events.push({ type: 'http.response.body', body: new Uint8Array(0), moreBody: false })
      if (this.trailers) events.push({ type: 'http.response.trailers', headers: part.trailers })
    }
  }

  private succeed(): void {
    if (this.settled) return
    this.settled = true
    this.resolve()
  }

  /** The listener failed: the TSGI app rejects (a 500 before the start, an abort after). */
  private fail(error: unknown): void {
    if (this.settled) return
    this.settled = true
    this.reject(error)
    this.socket.destroy()
  }

  /** The client left: node's abort sequence, once; the unit ends quietly. */
  private abort(): void {
    if (this.settled) return
    this.settled = true
    const req = this.req
    if (!req.complete) req.destroy(connReset())
    else if (!req.destroyed) req.destroy()
    this.socket.destroy()
    this.resolve()
  }
}

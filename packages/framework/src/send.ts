/**
 * Writing a `Response` through TSGI `send`: bytes with a Content-Length, streams with
 * backpressure (each chunk awaits `send`), files via the server's pathsend when offered.
 * HEAD responses keep their headers and send no body; a stream is never started for them, and
 * its length is left unsaid.
 *
 * @module
 */
import {
  type HTTPScope,
  isBodylessResponse,
  isClientDisconnected,
  NOT_SETTLED,
  type Send,
  type SendEvent,
  settledThisTurn,
} from '@tsgi/protocol'
import { charsetOf } from './body.ts'
import { HandlerResultError } from './errors.ts'
import { sendFile } from './file.ts'
import { isFileBody, type Response } from './response.ts'
import { describeValue } from './web-response.ts'

const EMPTY = new Uint8Array(0)
const ignore = (): void => {}

/** Encodes a string body in the response's charset. */
function encode(text: string, contentType: string | undefined): Uint8Array {
  const encoding = charsetOf(contentType)
  return encoding === 'utf8' ? Buffer.from(text, 'utf8') : Buffer.from(text, encoding)
}

/** Sends `res` for a request with `scope`. Resolves once the last body event was sent. */
export function sendResponse(res: Response, scope: HTTPScope, send: Send): Promise<void> {
  const body = res.body
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
    let list = res.headers.list
    // One pass for both headers this needs (a lookup each was a scan each).
    let contentType: string | undefined
    let hasLength = false
    for (let i = 0; i < list.length; i++) {
      const pair = list[i]!
      const name = pair[0]
      if (name === 'content-type' || (name.length === 12 && name.toLowerCase() === 'content-type'))
        contentType ??= pair[1]
      else if (
        name === 'content-length' ||
        (name.length === 14 && name.toLowerCase() === 'content-length')
      )
        hasLength = true
    }
    const bytes =
      body === null ? EMPTY : typeof body === 'string' ? encode(body, contentType) : body
    if (!hasLength && !isBodylessResponse(res.status)) {
      const length: [string, string] = ['content-length', String(bytes.byteLength)]
      // One header (json()'s list of one): a list of two for the event, where a push would
      // grow the list to 17 slots; a longer list has room to spare (it grew by push).
      if (list.length === 1) list = [list[0]!, length]
      else list.push(length)
    }
    // Start and body in one go (SPEC §2.7: sends take effect in call order), so a response
    // produced synchronously is written in the tick its request arrived. Both promises are
    // handled; a failed start is reported first (a body after it fails too).
    const started = send({ type: 'http.response.start', status: res.status, headers: list })
    const ended = send({
      type: 'http.response.body',
      body: scope.method === 'HEAD' ? EMPTY : bytes,
    })
    // (Not Promise.all: its combinator was 5 % of the bytes allocated per request.) A server
    // that answers both with one settled promise (the reference server's writes that did not
    // wait): that promise is the outcome of both, with nothing to combine.
    if (started === ended) return ended
    return started.then(
      () => ended,
      (error: unknown) => {
        ended.then(undefined, ignore)
        throw error
      },
    )
  }
  if (isFileBody(body)) return sendFile(res, body, scope, send)
  return sendStream(res, body, scope, send)
}

/** Start and one body event sent together; a failed start is reported first. */
function sendBoth(send: Send, start: SendEvent, body: SendEvent): Promise<void> {
  const started = send(start)
  const sent = send(body)
  return started.then(
    () => sent,
    (error: unknown) => {
      sent.then(undefined, ignore)
      throw error
    },
  )
}

function chunkOf(value: unknown, contentType: string | undefined): Uint8Array {
  if (typeof value === 'string') return encode(value, contentType)
  if (value instanceof Uint8Array) return value
  throw new HandlerResultError(
    `a streamed response body yielded ${describeValue(value)}; chunks must be strings or Uint8Arrays`,
  )
}

async function sendStream(
  res: Response,
  body: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array | string>,
  scope: HTTPScope,
  send: Send,
): Promise<void> {
  const headers = res.headers
  const start: SendEvent = {
    type: 'http.response.start',
    status: res.status,
    headers: headers.list,
  }
  const iterator =
    Symbol.asyncIterator in body
      ? (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
      : readerIterator((body as ReadableStream<Uint8Array | string>).getReader())
  if (scope.method === 'HEAD') {
    // The body is never produced, so its length is unknown: an empty body event that is not the
    // last one tells the server so (SPEC §5.4.3: a Content-Length only when the first body
    // event is the last), instead of a final empty body it would frame as `content-length: 0`.
    // A content-length the response states itself is kept.
    await iterator.return?.()
    await send(start)
    await send({ type: 'http.response.body', body: EMPTY, moreBody: true })
    await send({ type: 'http.response.body', body: EMPTY })
    return
  }
  const contentType = headers.get('content-type')
  try {
    let next = iterator.next()
    const first = await settledThisTurn(next)
    if (first === NOT_SETTLED) {
      // Nothing yet (a stream that produces later): the headers go out now.
      await send(start)
    } else if (first.done) {
      return await sendBoth(send, start, { type: 'http.response.body', body: EMPTY })
    } else {
      const chunk = chunkOf(first.value, contentType)
      next = iterator.next()
      const second = await settledThisTurn(next)
      // The whole body in one chunk (a web Response made from a string): one final event, so
      // the server frames it with a Content-Length rather than chunked.
      if (second !== NOT_SETTLED && second.done)
        return await sendBoth(send, start, { type: 'http.response.body', body: chunk })
      await sendBoth(send, start, { type: 'http.response.body', body: chunk, moreBody: true })
    }
    // One chunk in flight at a time: the next is asked for once send() let the last one go.
    for (let step = await next; !step.done; step = await next) {
      const chunk = chunkOf(step.value, contentType)
      if (chunk.byteLength > 0)
        await send({ type: 'http.response.body', body: chunk, moreBody: true })
      next = iterator.next()
    }
  } catch (error) {
    // The client left: stop producing (finally below releases the source) and end quietly.
    if (isClientDisconnected(error)) return
    throw error
  } finally {
    await iterator.return?.()
  }
  await send({ type: 'http.response.body', body: EMPTY })
}

function readerIterator<T>(reader: ReadableStreamDefaultReader<T>): AsyncIterator<T> {
  return {
    next: () => reader.read() as Promise<IteratorResult<T>>,
    async return() {
      await reader.cancel()
      return { done: true, value: undefined }
    },
  }
}

/**
 * Writing a `Response` through TSGI `send`: bytes with a Content-Length, streams with
 * backpressure (each chunk awaits `send`), files via the server's pathsend when offered.
 * HEAD responses keep their headers and send no body; a stream is never started for them.
 *
 * @module
 */
import { type HTTPScope, isBodylessResponse, isClientDisconnected, type Send } from '@tsgi/protocol'
import { charsetOf } from './body.ts'
import { sendFile } from './file.ts'
import { isFileBody, type Response } from './response.ts'

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
    const headers = res.headers
    const bytes =
      body === null
        ? EMPTY
        : typeof body === 'string'
          ? encode(body, headers.get('content-type'))
          : body
    if (!isBodylessResponse(res.status) && !headers.has('content-length'))
      headers.list.push(['content-length', String(bytes.byteLength)])
    // Start and body in one go (SPEC §2.7: sends take effect in call order), so a response
    // produced synchronously is written in the tick its request arrived. Both promises are
    // handled; a failed start is reported first (a body after it fails too).
    const started = send({ type: 'http.response.start', status: res.status, headers: headers.list })
    const ended = send({
      type: 'http.response.body',
      body: scope.method === 'HEAD' ? EMPTY : bytes,
    })
    // (Not Promise.all: its combinator was 5 % of the bytes allocated per request.)
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

async function sendStream(
  res: Response,
  body: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array | string>,
  scope: HTTPScope,
  send: Send,
): Promise<void> {
  const head = scope.method === 'HEAD'
  const headers = res.headers
  await send({ type: 'http.response.start', status: res.status, headers: headers.list })
  const contentType = headers.get('content-type')
  const iterator =
    Symbol.asyncIterator in body
      ? (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
      : readerIterator((body as ReadableStream<Uint8Array | string>).getReader())
  if (head) {
    await iterator.return?.()
    await send({ type: 'http.response.body', body: EMPTY })
    return
  }
  try {
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
      const chunk = typeof step.value === 'string' ? encode(step.value, contentType) : step.value
      if (chunk.byteLength > 0)
        await send({ type: 'http.response.body', body: chunk, moreBody: true })
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

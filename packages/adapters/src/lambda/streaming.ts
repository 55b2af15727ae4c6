/**
 * One streamed invocation (`awslambda.streamifyResponse`): the HTTP prelude goes out through
 * `awslambda.HttpResponseStream.from()` with the first body event, then each body chunk is
 * written to the response stream, `send()` waiting for `'drain'` when `write()` says so.
 *
 * @module
 */
import {
  type Application,
  ClientDisconnectedError,
  HTTPResponseTracker,
  type HTTPScope,
  IncompleteResponseError,
  isClientDisconnected,
  type SendEvent,
} from '@tsgi/protocol'
import type { LambdaRequest } from './events.ts'
import { bodyReceiver } from './receive.ts'
import { outgoingHeaders, singleValueHeaders } from './response.ts'
import type { AwsLambdaGlobal, ResponseStream } from './types.ts'

const FAILURE = new TextEncoder().encode('Internal Server Error')

/**
 * Runs `app` for one request, writing its response to `stream`. Resolves once the application
 * returned and the stream finished (or was destroyed). A failure before the prelude went out is
 * a 500; after it, the stream is destroyed (the client sees a cut response).
 */
export async function runStreaming(
  app: Application,
  scope: HTTPScope,
  request: LambdaRequest,
  stream: ResponseStream,
  runtime: AwsLambdaGlobal,
  onError: (error: unknown) => void,
): Promise<void> {
  const tracker = new HTTPResponseTracker(scope.method, scope.extensions)
  let out: ResponseStream | null = null
  let gone = false
  let finished = false
  let wake: (() => void) | null = null
  let finish!: () => void
  const over = new Promise<void>((resolve) => {
    finish = resolve
  })
  const settle = (): void => {
    wake?.()
    wake = null
  }
  const onClose = (): void => {
    // Closed before 'finish': the client went away (or the runtime gave up on the stream).
    if (!finished) gone = true
    finish()
    settle()
  }
  const onFinish = (): void => {
    finished = true
    settle()
  }
  // The listeners stay for the stream's life: an 'error' after the app returned must not be
  // an unhandled one.
  const watch = (s: ResponseStream): void => {
    s.on('close', onClose)
    s.on('error', onClose)
    s.on('finish', onFinish)
  }
  watch(stream)
  /** Waits for `'drain'`, or for the stream to end either way. */
  const waitDrain = (writer: ResponseStream): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        writer.removeListener('drain', done)
        wake = null
        resolve()
      }
      wake = done
      writer.on('drain', done)
    })
  const waitEnd = (): Promise<void> =>
    finished || gone
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          wake = resolve
        })

  const prelude = (status: number, headers: Array<[string, string]>): ResponseStream => {
    const single = singleValueHeaders(outgoingHeaders(headers), 'separate')
    const writer = runtime.HttpResponseStream.from(stream, {
      statusCode: status,
      headers: single.headers,
      cookies: single.cookies,
    })
    if (writer !== stream) watch(writer)
    out = writer
    return writer
  }

  const receive = bodyReceiver(request.body, over, () => gone || tracker.complete)
  const send = async (event: SendEvent): Promise<void> => {
    if (gone) throw new ClientDisconnectedError()
    tracker.accept(event)
    if (event.type !== 'http.response.body') return
    const writer = out ?? prelude(tracker.status, tracker.headers)
    const body = event.body
    if (body !== undefined && body.byteLength > 0 && !tracker.bodyless) {
      // Copied: the stream may hold the chunk after send() resolved and the app reuses buffers.
      if (!writer.write(body.slice()) && !gone && !finished) await waitDrain(writer)
      if (gone) throw new ClientDisconnectedError()
    }
    if (tracker.complete) {
      writer.end()
      await waitEnd()
      finish()
    }
  }

  try {
    await app(scope, receive, send)
    if (!tracker.complete) throw new IncompleteResponseError(tracker.started ? 'body' : 'start')
  } catch (error) {
    const failure = error ?? new Error('the application rejected')
    if (!gone && !isClientDisconnected(failure)) onError(failure)
    if (!gone && !tracker.complete) {
      if (out === null) {
        const writer = prelude(500, [['content-type', 'text/plain; charset=utf-8']])
        writer.write(FAILURE)
        writer.end()
        await waitEnd()
      } else stream.destroy(failure instanceof Error ? failure : new Error(String(failure)))
    }
  } finally {
    finish()
  }
}

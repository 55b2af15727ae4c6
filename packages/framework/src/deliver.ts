/**
 * Delivering a request's `Response` once the chain has made it: bytes are sent with nothing
 * of the request kept (no failure can come before the start), streams and files are tracked
 * so that one failing before its first send still gets an error response; the client leaving
 * is no error; then the request's `after()` tasks run, each failure logged. Kept apart from
 * the dispatcher, which finds and runs the chain: this starts where it has a `Response`.
 *
 * @module
 */
import { isClientDisconnected, type Send } from '@tsgi/protocol'
import type { Request } from './request.ts'
import { errorResponse } from './respond.ts'
import type { Response } from './response.ts'
import type { DispatcherOptions } from './router/model.ts'
import { sendResponse } from './send.ts'
import { knownFulfilled } from './settled.ts'

/** A send failed after the start: the client leaving is no error, anything else is rethrown. */
function failedAfterStart(error: unknown): void {
  if (!isClientDisconnected(error)) throw error
}

/** Sends the response, then runs the request's after() tasks. */
export function deliver(
  request: Request,
  response: Response,
  send: Send,
  options: DispatcherOptions,
): Promise<void> {
  const body = response.body
  let sent: Promise<void>
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
    // Bytes are sent by two send() calls and nothing else can fail: a failure always comes
    // after the start, so the handler needs nothing of this request (no closure, no context);
    // and when the sends answered with a promise known to be fulfilled, none is needed.
    sent = sendResponse(response, request.scope, send)
    if (!knownFulfilled(sent)) sent = sent.then(undefined, failedAfterStart)
  } else sent = deliverTracked(request, response, send, options)
  return request.afterTasks === null ? sent : sent.then(() => runAfter(request, options))
}

/** Streams and files can fail before their first send(): tracked, for a proper error then. */
function deliverTracked(
  request: Request,
  response: Response,
  send: Send,
  options: DispatcherOptions,
): Promise<void> {
  let started = false
  const tracked: Send = (event) => {
    started = true
    return send(event)
  }
  return sendResponse(response, request.scope, tracked).then(undefined, (error: unknown) =>
    sendFailed(error, request, send, started, options),
  )
}

/**
 * Sending failed. The client leaving is no error (after() tasks still run); a body that fails
 * before anything was sent (a missing file, a stream that throws at once) still gets a
 * proper error response.
 */
async function sendFailed(
  error: unknown,
  request: Request,
  send: Send,
  started: boolean,
  options: DispatcherOptions,
): Promise<void> {
  if (isClientDisconnected(error)) return
  if (started) throw error
  await sendResponse(
    errorResponse(error, request, options.logger, options.debug),
    request.scope,
    send,
  ).catch((e: unknown) => {
    if (!isClientDisconnected(e)) throw e
  })
}

/** The request's after() tasks, in order; one that fails is logged and the others still run. */
async function runAfter(request: Request, options: DispatcherOptions): Promise<void> {
  for (const task of request.afterTasks ?? []) {
    try {
      await task()
    } catch (error) {
      options.logger.error(`after() task failed for ${request.method} ${request.path}`, error)
    }
  }
}

/**
 * One buffered invocation: the application's response is collected whole and returned as the
 * integration's JSON result.
 *
 * @module
 */
import {
  type Application,
  HTTPResponseTracker,
  type HTTPScope,
  IncompleteResponseError,
  type SendEvent,
} from '@tsgi/protocol'
import type { BinaryPredicate } from './binary.ts'
import type { LambdaRequest } from './events.ts'
import { bodyReceiver } from './receive.ts'
import { buildResult } from './response.ts'
import type { LambdaResult } from './types.ts'

const FAILURE = new TextEncoder().encode('Internal Server Error')
const FAILURE_HEADERS: Array<[string, string]> = [['content-type', 'text/plain; charset=utf-8']]

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/**
 * Runs `app` for one request and resolves with the result once the application returned (the
 * environment freezes after the invocation, so nothing of the app is left running). Any
 * failure before the response completed is a 500: nothing has been sent yet.
 */
export async function runBuffered(
  app: Application,
  scope: HTTPScope,
  request: LambdaRequest,
  isBinary: BinaryPredicate,
  onError: (error: unknown) => void,
): Promise<LambdaResult> {
  const tracker = new HTTPResponseTracker(scope.method, scope.extensions)
  const chunks: Uint8Array[] = []
  let size = 0
  let finish!: () => void
  const over = new Promise<void>((resolve) => {
    finish = resolve
  })
  const receive = bodyReceiver(request.body, over, () => tracker.complete)
  const send = async (event: SendEvent): Promise<void> => {
    tracker.accept(event)
    if (event.type === 'http.response.body') {
      const body = event.body
      if (body !== undefined && body.byteLength > 0 && !tracker.bodyless) {
        // Copied: the app may reuse its buffer once send() resolved.
        chunks.push(body.slice())
        size += body.byteLength
      }
    }
    if (tracker.complete) finish()
  }
  try {
    await app(scope, receive, send)
    if (!tracker.complete) throw new IncompleteResponseError(tracker.started ? 'body' : 'start')
  } catch (error) {
    onError(error ?? new Error('the application rejected'))
    if (!tracker.complete) {
      finish()
      return buildResult(request, 500, FAILURE_HEADERS, FAILURE, isBinary)
    }
    // Failing after a complete response: the response stands, the error is reported.
  }
  return buildResult(request, tracker.status, tracker.headers, concat(chunks, size), isBinary)
}

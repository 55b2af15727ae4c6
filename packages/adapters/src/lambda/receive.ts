/**
 * The `receive()` of one invocation: the whole request body in one event (Lambda delivers it
 * whole), then `http.disconnect` once the response is over.
 *
 * @module
 */
import type { HTTPIncomingEvent } from '@tsgi/protocol'

/**
 * `receive()` for a body that is already complete. After the body, `receive()` waits for
 * `over` (the response completed, or the client left) and then yields `http.disconnect`.
 */
export function bodyReceiver(
  body: Uint8Array,
  over: Promise<void>,
  isOver: () => boolean,
): () => Promise<HTTPIncomingEvent> {
  let delivered = false
  return async () => {
    if (isOver()) return { type: 'http.disconnect' }
    if (!delivered) {
      delivered = true
      return { type: 'http.request', body, moreBody: false }
    }
    await over
    return { type: 'http.disconnect' }
  }
}

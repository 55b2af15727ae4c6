/**
 * What the server writes on an h2 stream on its own behalf: the small error answer (the h2
 * counterpart of http/wire.ts: no `connection: close`, the session lives on) and the reset
 * that cuts one stream short.
 *
 * @module
 */
import { constants, type ServerHttp2Stream } from 'node:http2'
import { statusText } from '@tsgi/protocol'

/** A small plain-text answer on `stream` (the h2 counterpart of http/wire.ts's error response). */
export function writeH2ErrorResponse(
  stream: ServerHttp2Stream,
  method: string,
  status: number,
  detail?: string,
): void {
  if (stream.destroyed || stream.headersSent) return
  const title = statusText(status) || 'Error'
  const body = detail === undefined ? title : `${title}: ${detail}\n`
  stream.respond({
    ':status': status,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  // A HEAD response announces the length and carries no DATA.
  if (method === 'HEAD') stream.end()
  else stream.end(body)
  // RFC 9113 §8.1: the answer is complete, the rest of the request is not wanted. node sends
  // the RST_STREAM NO_ERROR once the answer is flushed (a client whose request already ended
  // has closed the stream by then, and nothing is sent).
  if (!stream.endAfterHeaders && stream.state.remoteClose === 0)
    stream.close(constants.NGHTTP2_NO_ERROR)
}

/**
 * RST_STREAM INTERNAL_ERROR on `stream` alone, without END_STREAM first: `close()` would end
 * the writable side (an END_STREAM that can make a short body look complete), `destroy()`
 * with an error resets at once. Never the session's socket (it is shared by every stream).
 */
export function resetStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed) stream.destroy(new Error('response aborted'))
}

/**
 * The WebSocket behaviours of the main test app: `/ws/echo` (accepts, with the `chat`
 * subprotocol when offered; `close:<code>` closes with that code), `/ws/refuse` (closes before
 * accepting), `/ws/deny` (denial response 401) and `/ws/watch?t=` (records the disconnect).
 *
 * @module
 */
import type { Receive, Send } from '../../application.ts'
import type { WebSocketScope } from '../../websocket.ts'
import { outcome, record } from './record.ts'

/** Handles a websocket scope. */
export async function websocketApp(
  scope: WebSocketScope,
  receive: Receive,
  send: Send,
): Promise<void> {
  const r = record(scope as never)
  const path = scope.path.slice(scope.rootPath.length)
  await receive() // websocket.connect
  if (path === '/ws/refuse') return send({ type: 'websocket.close' })
  if (path === '/ws/deny') {
    if (!scope.extensions['websocket.http.response']) return send({ type: 'websocket.close' })
    await send({
      type: 'websocket.http.response.start',
      status: 401,
      headers: [['x-denied', 'yes']],
    })
    await send({ type: 'websocket.http.response.body', body: new TextEncoder().encode('denied') })
    return
  }
  await send({
    type: 'websocket.accept',
    subprotocol: scope.subprotocols.includes('chat') ? 'chat' : null,
    headers: [['x-accepted', 'yes']],
  })
  for (;;) {
    const event = await receive()
    if (event.type === 'websocket.disconnect') {
      r.code = event.code
      r.after = await outcome(send({ type: 'websocket.send', text: 'too late' }))
      r.next = (await receive()).type
      return
    }
    if (event.type !== 'websocket.receive') continue
    if (event.text?.startsWith('close:')) {
      await send({ type: 'websocket.close', code: Number(event.text.slice(6)), reason: 'asked' })
      continue
    }
    if (event.text === 'scope')
      await send({ type: 'websocket.send', text: JSON.stringify({ ...scope, state: undefined }) })
    else if (event.text != null) await send({ type: 'websocket.send', text: `echo:${event.text}` })
    else await send({ type: 'websocket.send', bytes: event.bytes })
  }
}

/**
 * The app the direct Bun/Deno tests serve through `toFetch`. What it observes is kept in this
 * module and shown at `GET /record`:
 * - lifespan: counts startups; prints `lifespan shutdown` on shutdown.
 * - `GET /stream?n=N`: N chunks of 64 KiB, counting the bytes whose `send()` resolved.
 * - `POST /wait`: reads the body, then waits for `http.disconnect` and records it.
 * - `GET /scope`: the scope as JSON.
 * - `GET /late-headers`: answers, then, once `GET /release-late` came, reads `scope.headers`
 *   (long after its response went out) into `lateHeaders`.
 * - `GET /hang`: never answers, never returns (counted in `hanging`; when cut, in `cut`).
 * - `GET /hang-stream`: starts a streamed answer, sends one chunk, then hangs like `/hang`.
 * - websocket `/ws`: accepts (`chat` when offered, header `x-accepted`), echoes text and bytes,
 *   `close:<code>` closes with that code and reason `asked`, `flood:N` sends N messages of
 *   64 KiB counting the resolved sends; records the disconnect code and reason.
 * - websocket `/ws-hold`: accepts, then receives nothing until `GET /release`; then counts
 *   every message and byte it receives until the disconnect, recorded as `held`.
 */
import type { Application, HTTPScope, Receive, Send, WebSocketScope } from '@tsgi/protocol'

const CHUNK = new Uint8Array(64 * 1024).fill(97)
const record = {
  startups: 0,
  streamed: 0,
  waited: null as string | null,
  flooded: 0,
  wsClosed: null as { code: number; reason: string } | null,
  hanging: 0,
  cut: 0,
  held: null as { messages: number; bytes: number; code: number } | null,
  lateHeaders: null as Array<[string, string]> | null,
}
let releaseLate!: () => void
const lateReleased = new Promise<void>((r) => {
  releaseLate = r
})
let release!: () => void
const released = new Promise<void>((r) => {
  release = r
})

/** Never returns, but notices being cut (`receive()` yields `http.disconnect` then). */
async function hang(receive: Receive) {
  record.hanging++
  for (;;) {
    const event = await receive()
    if (event.type === 'http.disconnect') {
      record.cut++
      process.stdout.write('cut\n')
      // Still never returns: `close()` must not wait for it past its deadline.
      await new Promise(() => {})
    }
  }
}

const json = async (send: Send, value: unknown) => {
  const body = new TextEncoder().encode(JSON.stringify(value))
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json']],
  })
  await send({ type: 'http.response.body', body })
}

async function http(scope: HTTPScope, receive: Receive, send: Send) {
  const path = scope.path.slice(scope.rootPath.length)
  if (path === '/record') return json(send, record)
  if (path === '/scope') return json(send, { ...scope, state: scope.state })
  if (path === '/stream') {
    const n = Number(new URLSearchParams(scope.queryString).get('n') ?? '1')
    record.streamed = 0
    await send({ type: 'http.response.start', status: 200, headers: [] })
    for (let i = 0; i < n; i++) {
      await send({ type: 'http.response.body', body: CHUNK, moreBody: i < n - 1 })
      record.streamed += CHUNK.byteLength
    }
    return
  }
  if (path === '/release') {
    release()
    return json(send, { released: true })
  }
  if (path === '/late-headers') {
    await json(send, { answered: true })
    await lateReleased
    record.lateHeaders = scope.headers.map(([name, value]) => [name, value])
    return
  }
  if (path === '/release-late') {
    releaseLate()
    return json(send, { released: true })
  }
  if (path === '/hang') return hang(receive)
  if (path === '/hang-stream') {
    await send({ type: 'http.response.start', status: 200, headers: [] })
    await send({ type: 'http.response.body', body: CHUNK.subarray(0, 5), moreBody: true })
    return hang(receive)
  }
  if (path === '/wait') {
    for (;;) {
      const event = await receive()
      if (event.type === 'http.disconnect') {
        record.waited = event.type
        return
      }
    }
  }
  await send({ type: 'http.response.start', status: 404, headers: [] })
  await send({ type: 'http.response.body', body: new TextEncoder().encode('not found') })
}

/** Accepts, waits for `/release`, then counts what it receives until the disconnect. */
async function held(receive: Receive, send: Send) {
  await send({ type: 'websocket.accept' })
  await released
  let messages = 0
  let bytes = 0
  for (;;) {
    const event = await receive()
    if (event.type === 'websocket.disconnect') {
      record.held = { messages, bytes, code: event.code }
      return
    }
    if (event.type !== 'websocket.receive') continue
    messages++
    bytes += event.bytes?.byteLength ?? event.text?.length ?? 0
  }
}

async function websocket(scope: WebSocketScope, receive: Receive, send: Send) {
  await receive()
  if (scope.path.endsWith('/ws-hold')) return held(receive, send)
  await send({
    type: 'websocket.accept',
    subprotocol: scope.subprotocols.includes('chat') ? 'chat' : null,
    headers: [['x-accepted', 'yes']],
  })
  for (;;) {
    const event = await receive()
    if (event.type === 'websocket.disconnect') {
      record.wsClosed = { code: event.code, reason: event.reason }
      return
    }
    if (event.type !== 'websocket.receive') continue
    const text = event.text
    if (text?.startsWith('close:')) {
      await send({ type: 'websocket.close', code: Number(text.slice(6)), reason: 'asked' })
    } else if (text?.startsWith('flood:')) {
      record.flooded = 0
      for (let i = 0; i < Number(text.slice(6)); i++) {
        await send({ type: 'websocket.send', bytes: CHUNK })
        record.flooded += CHUNK.byteLength
      }
    } else if (text != null) await send({ type: 'websocket.send', text: `echo:${text}` })
    else await send({ type: 'websocket.send', bytes: event.bytes as Uint8Array })
  }
}

const app: Application = async (scope, receive, send) => {
  if (scope.type === 'lifespan') {
    for (;;) {
      const event = await receive()
      if (event.type === 'lifespan.startup') {
        record.startups++
        scope.state.started = true
        await send({ type: 'lifespan.startup.complete' })
      } else if (event.type === 'lifespan.shutdown') {
        process.stdout.write('lifespan shutdown\n')
        await send({ type: 'lifespan.shutdown.complete' })
        return
      }
    }
  }
  if (scope.type === 'http') return http(scope, receive, send)
  if (scope.type === 'websocket') return websocket(scope, receive, send)
}
export default app

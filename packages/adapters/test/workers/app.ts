/**
 * The app the direct Workers tests serve through `toFetch`. What it observes is kept by token
 * (`?t=`) and shown at `GET /record?t=[&after=M]` (answered after a timer of M ms):
 * - `GET /scope`: the scope as JSON (client, rootPath).
 * - `GET /stream?n=N&t=`: N chunks of 64 KiB sent one `send()` each, counting the resolved
 *   sends (`streamed`); a rejected one is recorded (`rejected`) with the next event (`next`).
 * - `GET /background?t=&ms=M`: answers 202 at once, then goes on working after the response
 *   completed — a microtask, then a timer of M ms — recording each step (`steps`), as an app
 *   that sends a mail or flushes logs after answering does.
 */
import {
  type Application,
  type HTTPScope,
  type Receive,
  type Send,
  UnsupportedScopeError,
} from '@tsgi/protocol'

const CHUNK = new Uint8Array(64 * 1024).fill(97)
const records = new Map<string, Record<string, unknown>>()
const utf8 = new TextEncoder()

const tokenOf = (scope: HTTPScope) => new URLSearchParams(scope.queryString).get('t') ?? ''

function record(scope: HTTPScope): Record<string, unknown> {
  const token = tokenOf(scope)
  let r = records.get(token)
  if (r === undefined) {
    r = {}
    records.set(token, r)
  }
  return r
}

async function json(send: Send, value: unknown, status = 200) {
  await send({
    type: 'http.response.start',
    status,
    headers: [['content-type', 'application/json']],
  })
  await send({ type: 'http.response.body', body: utf8.encode(JSON.stringify(value)) })
}

async function stream(scope: HTTPScope, receive: Receive, send: Send) {
  const r = record(scope)
  const n = Number(new URLSearchParams(scope.queryString).get('n') ?? '1')
  r.streamed = 0
  await send({ type: 'http.response.start', status: 200, headers: [] })
  for (let i = 0; i < n; i++) {
    try {
      await send({ type: 'http.response.body', body: CHUNK, moreBody: i < n - 1 })
    } catch (error) {
      r.rejected = (error as { code?: string }).code ?? String(error)
      r.next = (await receive()).type
      return
    }
    r.streamed = (r.streamed as number) + CHUNK.byteLength
  }
}

async function background(scope: HTTPScope, send: Send) {
  const r = record(scope)
  const ms = Number(new URLSearchParams(scope.queryString).get('ms') ?? '10')
  const steps: string[] = []
  r.steps = steps
  await send({ type: 'http.response.start', status: 202, headers: [] })
  await send({ type: 'http.response.body', body: utf8.encode('accepted') })
  steps.push('answered')
  await Promise.resolve()
  steps.push('microtask')
  // The background work under test: I/O the runtime must let finish after the response.
  await new Promise((resolve) => setTimeout(resolve, ms))
  steps.push('timer')
}

const app: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  const path = scope.path.slice(scope.rootPath.length)
  if (path === '/record') {
    // `after=M`: answers once a timer of M ms fired, so a shorter timer set before it (the
    // background work's) has fired too if it was going to.
    const after = Number(new URLSearchParams(scope.queryString).get('after') ?? '0')
    if (after > 0) await new Promise((resolve) => setTimeout(resolve, after))
    return json(send, records.get(tokenOf(scope)) ?? null)
  }
  if (path === '/scope') {
    const { state: _, ...rest } = scope
    return json(send, rest)
  }
  if (path === '/stream') return stream(scope, receive, send)
  if (path === '/background') return background(scope, send)
  return json(send, { error: `no such path ${path}` }, 404)
}
export default app

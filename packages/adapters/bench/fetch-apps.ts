/**
 * The two servers of the fetch-runtime pair, runtime-neutral (Bun and Deno import this file):
 * a TSGI application (served through `toFetch`) and a plain fetch handler doing the same work.
 * Both answer GET /json, GET /users/:id and POST /echo (JSON parsed and re-serialised).
 */
import type { Application, Receive } from '@tsgi/protocol'
import { type FetchApplication, toFetch } from '../src/fetch/to-fetch.ts'

const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']]
const encoder = new TextEncoder()
const decoder = new TextDecoder()

async function readBody(receive: Receive): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') break
    parts.push(event.body)
    size += event.body.byteLength
    if (!event.moreBody) break
  }
  if (parts.length === 1) return parts[0]!
  const all = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.byteLength
  }
  return all
}

/** The TSGI side. */
export const tsgiApp: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') return
  let value: unknown
  let status = 200
  if (scope.path === '/json') value = { hello: 'world' }
  else if (scope.path.startsWith('/users/')) value = { id: scope.path.slice(7) }
  else if (scope.path === '/echo' && scope.method === 'POST')
    value = JSON.parse(decoder.decode(await readBody(receive)))
  else {
    status = 404
    value = { error: 'not found' }
  }
  await send({ type: 'http.response.start', status, headers: JSON_HEADERS })
  await send({ type: 'http.response.body', body: encoder.encode(JSON.stringify(value)) })
}

/** The TSGI app as a fetch handler. */
export const adapted = toFetch(tsgiApp, { lifespan: 'auto' })

/**
 * The TSGI app through the `toFetch` of another copy of `src/fetch/to-fetch.ts` (an older
 * version, for a before/after pair), or the current one without a path.
 */
export async function adaptedBy(path: string | undefined): Promise<FetchApplication> {
  if (path === undefined || path === '') return adapted
  const other = (await import(path)) as { toFetch: typeof toFetch }
  return other.toFetch(tsgiApp, { lifespan: 'auto' })
}

/** The plain fetch side: the same work without TSGI. */
export async function plain(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname
  let value: unknown
  let status = 200
  if (path === '/json') value = { hello: 'world' }
  else if (path.startsWith('/users/')) value = { id: path.slice(7) }
  else if (path === '/echo' && request.method === 'POST') value = await request.json()
  else {
    status = 404
    value = { error: 'not found' }
  }
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

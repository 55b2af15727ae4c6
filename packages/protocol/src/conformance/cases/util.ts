/**
 * Helpers the cases share: well-formed requests through `fetch`, raw ones through sockets,
 * and reading what the app recorded.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { CaseContext } from '../types.ts'
import { exchange, parseResponses, type WireResponse } from '../wire.ts'

export { expectThat } from '../types.ts'

/** A fresh token for the app's record. */
export const token = () => randomUUID()

/** GET (or another method) through fetch; the body as text. */
export async function fetchText(
  ctx: CaseContext,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${ctx.url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
  return { status: res.status, text: await res.text() }
}

/** A JSON answer through fetch. */
export async function fetchJSON<T = Record<string, unknown>>(
  ctx: CaseContext,
  path: string,
  init: RequestInit = {},
): Promise<T> {
  const res = await fetchText(ctx, path, init)
  try {
    return JSON.parse(res.text) as T
  } catch {
    throw new Error(`GET ${path}: expected JSON, got ${res.status} ${res.text.slice(0, 200)}`)
  }
}

/** What the app recorded under `t`, once `check` holds (polled, up to 5 s). */
export async function recorded(
  ctx: CaseContext,
  t: string,
  check: (r: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  const end = Date.now() + 5000
  for (;;) {
    const r = await fetchJSON(ctx, `/record?t=${t}`)
    if (check(r) || Date.now() > end) return r
    await new Promise((res) => setTimeout(res, 25))
  }
}

/** Raw bytes in, parsed responses out. */
export async function raw(
  ctx: CaseContext,
  data: string | Buffer | Array<string | Buffer>,
  opts: {
    timeout?: number
    delay?: number
    head?: boolean[]
    until?: (raw: Buffer) => boolean
  } = {},
): Promise<{ responses: WireResponse[]; text: string; closed: boolean; reset: boolean }> {
  const result = await exchange(ctx.port, ctx.host, Array.isArray(data) ? data : [data], opts)
  return {
    responses: parseResponses(result.raw, opts.head),
    text: result.raw.toString('latin1'),
    closed: result.closed,
    reset: result.reset,
  }
}

/** A short description of what came back, for failure messages. */
export function describeResponses(responses: WireResponse[], text: string): string {
  if (responses.length === 0)
    return text === '' ? 'nothing (connection closed)' : JSON.stringify(text.slice(0, 200))
  return responses
    .map((r) => `${r.statusLine} (${r.body.length} body bytes${r.truncated ? ', truncated' : ''})`)
    .join('; ')
}

export const header = (r: WireResponse | undefined, name: string) =>
  r?.headers.find(([k]) => k === name)?.[1]

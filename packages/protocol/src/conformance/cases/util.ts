/**
 * Helpers the cases share: well-formed requests through `fetch`, raw ones through sockets
 * (parsed strictly: stray bytes fail the case), and reading what the app recorded.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { type CaseContext, ConformanceFailure, expectThat } from '../types.ts'
import { exchange, parseResponses, WireParseError, type WireResponse } from '../wire.ts'

export { expectThat }

/** A fresh token for the app's record. */
export const token = () => randomUUID()

/** GET (or another method) through fetch; the body as text. */
export async function fetchText(
  ctx: Pick<CaseContext, 'url' | 'fetch'>,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string }> {
  const res = await (ctx.fetch ?? fetch)(`${ctx.url}${path}`, {
    ...init,
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, text: await res.text() }
}

/** A JSON answer through fetch. */
export async function fetchJSON<T = Record<string, unknown>>(
  ctx: Pick<CaseContext, 'url' | 'fetch'>,
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

/**
 * What the app recorded under `t`, once `check` holds (polled every 25 ms, up to 10 s; then
 * the record as it is, for the case to report).
 */
export async function recorded(
  ctx: Pick<CaseContext, 'url' | 'fetch'>,
  t: string,
  check: (r: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  const end = Date.now() + 10_000
  for (;;) {
    const r = await fetchJSON(ctx, `/record?t=${t}`)
    if (check(r) || Date.now() > end) return r
    await new Promise((res) => setTimeout(res, 25))
  }
}

/** Parses `raw` strictly; unparseable bytes become a failure of the case. */
export function parseOrFail(raw: Buffer, sent: string, head?: boolean[]): WireResponse[] {
  try {
    return parseResponses(raw, head)
  } catch (error) {
    if (!(error instanceof WireParseError)) throw error
    throw new ConformanceFailure(
      JSON.stringify(sent.slice(0, 160)),
      `${error.message} (after ${JSON.stringify(raw.subarray(Math.max(0, error.offset - 80), error.offset).toString('latin1'))})`,
      'well-formed HTTP/1.1 responses only, each starting exactly where the previous one ended',
    )
  }
}

/** Raw bytes in, parsed responses out (strictly: stray bytes fail the case). */
export async function raw(
  ctx: CaseContext,
  data: string | Buffer | Array<string | Buffer>,
  opts: { timeout?: number; head?: boolean[]; until?: (raw: Buffer) => boolean } = {},
): Promise<{ responses: WireResponse[]; text: string; closed: boolean; reset: boolean }> {
  const pieces = Array.isArray(data) ? data : [data]
  const result = await exchange(ctx.port, ctx.host, pieces, opts)
  const sent = pieces.map((p) => p.toString('latin1')).join('')
  return {
    responses: parseOrFail(result.raw, sent, opts.head),
    text: result.raw.toString('latin1'),
    closed: result.closed,
    reset: result.reset,
  }
}

/** Whether `bytes` hold one complete response (an `until` for connections that stay open). */
export function answered(bytes: Buffer): boolean {
  try {
    return parseResponses(bytes).some((r) => !r.truncated)
  } catch {
    return true // unparseable: the case's own strict parse reports it
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

/** The value of the first header `name` of a response. */
export const header = (r: WireResponse | undefined, name: string) =>
  r?.headers.find(([k]) => k === name)?.[1]

/** Fails the case unless a normal request on a new connection is still answered. */
export async function stillServing(ctx: CaseContext): Promise<void> {
  const after = await fetchText(ctx, '/length/1')
  if (after.text !== 'x')
    throw new ConformanceFailure(
      'a normal request on a new connection after it',
      `${after.status} ${after.text.slice(0, 80)}`,
      '200 "x": the server keeps serving',
    )
}

/**
 * Samples `read()` every 100 ms until it has not moved for a second (a value of 0 never counts
 * as still when `movedFirst`: nothing happened yet), reaches `bound`, or 15 s pass. Resolves
 * with the last value and whether it stopped moving: how the backpressure cases tell "bounded"
 * from "still going" without a fixed sleep.
 */
export async function sampleUntilStill(
  read: () => number | Promise<number>,
  bound: number,
  movedFirst = false,
): Promise<{ value: number; stopped: boolean }> {
  let last = -1
  let still = 0
  const end = Date.now() + 15_000
  while (still < 10 && last < bound && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100)) // the sampling period
    const now = await read()
    still = now === last && (!movedFirst || now > 0) ? still + 1 : 0
    last = now
  }
  return { value: last, stopped: still >= 10 }
}

/**
 * `response.headers-order` on either protocol: the fields `GET /headers` answered with, in wire
 * order, must keep the app's order, a repeated name interleaved with another included
 * (SPEC.md §5.4.2). `other` describes the response when it had none of those fields.
 */
export function expectHeadersOrder(fields: ReadonlyArray<[string, string]>, other: string): void {
  const got = fields.filter(([n]) => n === 'x-order' || n === 'set-cookie')
  expectThat(
    JSON.stringify(got) ===
      JSON.stringify([
        ['x-order', '1'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['x-order', '2'],
      ]),
    'GET /headers',
    got.length > 0 ? JSON.stringify(got) : other,
    'x-order 1, set-cookie a=1, set-cookie b=2, x-order 2, in that order',
  )
}

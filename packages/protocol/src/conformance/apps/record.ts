/**
 * What the suite's apps observed, by token (`?t=`), so cases can check the app's side of an
 * exchange (a rejected send, a disconnect) through a second request to `/record?t=`.
 *
 * @module
 */
import type { Receive, Send } from '../../application.ts'
import { type Deferred, deferred } from '../../deferred.ts'
import type { HTTPScope } from '../../http.ts'

const records = new Map<string, Record<string, unknown>>()

/** The record of the request's token (a throwaway one without `?t=`). */
export function record(scope: HTTPScope): Record<string, unknown> {
  const token = new URLSearchParams(scope.queryString).get('t') ?? ''
  let r = records.get(token)
  if (r === undefined) {
    r = {}
    if (token) records.set(token, r)
  }
  return r
}

const waiters = new Map<string, Deferred<void>>()
const waiter = (scope: HTTPScope) => {
  const token = new URLSearchParams(scope.queryString).get('t') ?? ''
  let w = waiters.get(token)
  if (w === undefined) {
    w = deferred<void>()
    waiters.set(token, w)
  }
  return w
}

/** Resolves once `/release?t=` with the request's token arrived (or already had). */
export function released(scope: HTTPScope): Promise<void> {
  return waiter(scope).promise
}

/** `/release?t=`: lets the requests waiting in {@link released} for that token go on. */
export function release(scope: HTTPScope): void {
  waiter(scope).resolve()
}

/** Answers `/record?t=` with the record as JSON. */
export async function sendRecord(scope: HTTPScope, send: Send): Promise<void> {
  await json(send, 200, record(scope))
}

/** A complete JSON response. */
export async function json(send: Send, status: number, value: unknown): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(value))
  await send({
    type: 'http.response.start',
    status,
    headers: [
      ['content-type', 'application/json'],
      ['content-length', String(body.byteLength)],
    ],
  })
  await send({ type: 'http.response.body', body })
}

/** The error code of a rejected promise, or `'resolved'`. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (error) {
    return String((error as { code?: string }).code ?? (error as Error).name)
  }
}

/** Resolves after `ms`: a test path that is slow on purpose (the behaviour under test). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * `/hold?t=`: counts the request's arrival in the record (`arrived`), then reads the body to
 * its end, so the client decides how long the request stays in flight (by withholding the
 * last body byte). Resolves `false` if the client left first.
 */
export async function hold(receive: Receive, r: Record<string, unknown>): Promise<boolean> {
  r.arrived = Number(r.arrived ?? 0) + 1
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') return false
    if (!event.moreBody) return true
  }
}

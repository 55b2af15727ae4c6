/**
 * What the suite's apps observed, by token (`?t=`), so cases can check the app's side of an
 * exchange (a rejected send, a disconnect) through a second request to `/record?t=`.
 *
 * @module
 */
import type { Send } from '../../application.ts'
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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

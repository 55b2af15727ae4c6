/**
 * Workers' `ctx.waitUntil`: a Worker cancels whatever an application still does once its
 * `Response` has gone out, unless that work is handed to the context. Bun and Deno pass no
 * context, and then nothing is handed over.
 *
 * @module
 */

/** A host's way to keep work alive after the response (Workers' `ctx.waitUntil`). */
export type WaitUntil = (work: Promise<unknown>) => void

/** `ctx.waitUntil` of a fetch host that has one (Workers), bound to its context. */
export function waitUntilOf(ctx: unknown): WaitUntil | undefined {
  const waitUntil = (ctx as { waitUntil?: unknown } | null | undefined)?.waitUntil
  return typeof waitUntil === 'function'
    ? (work) => (waitUntil as WaitUntil).call(ctx, work)
    : undefined
}

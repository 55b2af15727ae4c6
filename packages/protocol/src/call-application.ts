/**
 * Calling an application the way a server must, written once: `LifespanRunner` and the
 * in-memory test client start every unit through it, and so can a server.
 *
 * @module
 */
import type { Application, Receive, Scope, Send } from './application.ts'

/**
 * Calls `app(scope, receive, send)` at once (in this tick, so a synchronous app answers in the
 * tick its unit arrived) and reports how the call ended, once, in a later microtask (SPEC.md
 * §2.2: the unit ends when the returned promise settles):
 *
 * - `onReturn()` when the app's promise fulfils, or when it returned something that is no
 *   promise (an app written without `async`);
 * - `onThrow(error)` when it rejects or throws synchronously: the caller needs no `try` of its
 *   own, and a synchronous throw is told apart from a rejection by nothing.
 *
 * `onThrow` gets what the app threw, untouched (a `ClientDisconnectedError` stays one), except
 * that a rejection without a reason (`throw undefined`, `Promise.reject(null)`) arrives as an
 * `Error` whose `cause` is that reason: a caller may then test the reason alone and never takes
 * a failed unit for a clean one. The callbacks run outside the app's call; an error they throw is
 * an unhandled rejection, as it would be from any `.then` callback.
 *
 * @param onReturn Called when the unit ended normally.
 * @param onThrow Called with the reason (never `undefined` or `null`) when it failed.
 *
 * @example
 * ```ts
 * callApplication(app, scope, receive, send, () => finish(), (error) => fail(error))
 * ```
 */
export function callApplication(
  app: Application,
  scope: Scope,
  receive: Receive,
  send: Send,
  onReturn: () => void,
  onThrow: (error: unknown) => void,
): void {
  let call: Promise<void>
  try {
    // `Promise.resolve` hands a native promise back as it is: no extra microtask on the usual path.
    call = Promise.resolve(app(scope, receive, send))
  } catch (error) {
    // Reported later, as a rejection is: the caller's own set-up after this call runs first.
    call = Promise.reject(error)
  }
  call.then(onReturn, (error: unknown) =>
    onThrow(error ?? new Error(`the application rejected with ${String(error)}`, { cause: error })),
  )
}

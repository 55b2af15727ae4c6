/**
 * `--interface auto|tsgi|fetch|node`: what the loaded export is, and the TSGI application that
 * serves it. A fetch handler (`{ fetch }`: a hono app, a Bun-style `export default { fetch }`)
 * goes through `fromFetch`, a node:http listener (an Express or Connect app, a Koa instance)
 * through `fromNodeListener`, both from `@tsgi/adapters`.
 *
 * Function arity cannot tell these apart (an Express app is `(req, res, next)`, a TSGI app
 * `(scope, receive, send)`), so `auto` looks for marks the frameworks leave on their apps.
 *
 * `@tsgi/adapters` is not a dependency of the server (it depends on the server for its tests, and
 * a dependency back would be a cycle): it is resolved at run time from the application's module,
 * where the user installed it.
 *
 * @module
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { Application } from '@tsgi/protocol'
import { ServerError, ServerErrorCode } from '../errors.ts'

/** What `--interface` accepts. */
export type AppInterface = 'auto' | 'tsgi' | 'fetch' | 'node'

/** The interfaces an export can have. */
export type ResolvedInterface = Exclude<AppInterface, 'auto'>

/** Every value `--interface` accepts, in the `--help` order. */
export const INTERFACES: readonly AppInterface[] = ['auto', 'tsgi', 'fetch', 'node']

/** What {@link detectInterface} found, and the mark that decided it (for the logs). */
export interface Detection {
  /** The interface. */
  interface: ResolvedInterface
  /** Why: `an object with a fetch method`, `an Express app`, `a Koa app`, … */
  reason: string
}

type Marked = Record<string, unknown>

const isFn = (value: unknown): value is (...args: unknown[]) => unknown =>
  typeof value === 'function'

/** An object (or function) with a `fetch` method: hono, `export default { fetch }`, h3, Elysia. */
export function isFetchHandlerObject(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
    ? isFn((value as Marked).fetch)
    : false
}

/** A Koa instance: `callback()` and `use()` methods and a `context` prototype object. */
export function isKoaApp(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Marked
  return isFn(v.callback) && isFn(v.use) && typeof v.context === 'object' && v.context !== null
}

/**
 * The framework a node:http listener function comes from, if it carries one's marks: Express
 * (`handle` and `set` methods, or its router as `_router` in 4.x / `router` in 5.x) or Connect
 * (`handle` and a `stack` array).
 */
export function nodeListenerKind(value: unknown): 'Express' | 'Connect' | undefined {
  if (!isFn(value)) return undefined
  const v = value as unknown as Marked
  if (isFn(v.handle) && isFn(v.set)) return 'Express'
  // Express 4 keeps its router as `_router`, Express 5 as a lazy `router` getter.
  if (isFn(v.handle) && ('_router' in v || 'router' in v)) return 'Express'
  if (isFn(v.handle) && Array.isArray(v.stack)) return 'Connect'
  return undefined
}

/**
 * The `auto` rules, in order: an object with a `fetch` function is a fetch handler; a Koa
 * instance, or a function with Express's or Connect's marks, is a node listener; any other
 * function is a TSGI application. Anything else is `undefined` (not an application).
 */
export function detectInterface(value: unknown): Detection | undefined {
  if (isFetchHandlerObject(value))
    return { interface: 'fetch', reason: 'an object with a fetch method' }
  if (isKoaApp(value)) return { interface: 'node', reason: 'a Koa app' }
  const kind = nodeListenerKind(value)
  if (kind !== undefined)
    return { interface: 'node', reason: `${kind === 'Express' ? 'an' : 'a'} ${kind} app` }
  if (isFn(value)) return { interface: 'tsgi', reason: 'a function' }
  return undefined
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value !== 'object') return typeof value === 'function' ? 'a function' : typeof value
  const keys = Object.keys(value)
  return `an object${keys.length ? ` with ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}` : ' with no properties'}`
}

/**
 * Checks that `value` can be served as `chosen` and says why; throws `TSGI_SERVER_ERR_LOAD`
 * naming `what` (`/srv/app.ts:default`) when it cannot.
 */
export function checkInterface(value: unknown, chosen: AppInterface, what: string): Detection {
  const found = detectInterface(value)
  const fail = (message: string) => new ServerError(ServerErrorCode.load, `${what} ${message}`)
  if (chosen === 'auto') {
    if (found !== undefined) return found
    throw fail(
      `is not an application: expected a function (scope, receive, send), an object with a fetch method (a fetch handler) or a node (req, res) listener, got ${describe(value)}`,
    )
  }
  if (chosen === 'fetch') {
    if (isFetchHandlerObject(value)) return { interface: 'fetch', reason: '--interface fetch' }
    throw fail(
      `is not a fetch handler (--interface fetch): expected an object with a fetch(request) method (a hono app, export default { fetch }), got ${describe(value)}` +
        (isFn(value)
          ? '; for a bare (request) => Response function export { fetch: handler }'
          : ''),
    )
  }
  if (chosen === 'node') {
    if (isFn(value) || isKoaApp(value)) return { interface: 'node', reason: '--interface node' }
    throw fail(
      `is not a node listener (--interface node): expected a (req, res) function (an Express or Connect app, koa.callback()) or a Koa app, got ${describe(value)}` +
        (found?.interface === 'fetch' ? '; it has a fetch method: use --interface fetch' : ''),
    )
  }
  if (isFn(value) && !isKoaApp(value)) return { interface: 'tsgi', reason: '--interface tsgi' }
  throw fail(
    `is not a TSGI application (--interface tsgi): expected a function (scope, receive, send), got ${describe(value)}` +
      (found !== undefined
        ? `; it looks like ${found.reason}: use --interface ${found.interface}`
        : ''),
  )
}

/** The two adapter entry points the CLI uses, as far as it needs to know them. */
interface FetchModule {
  fromFetch(handler: unknown): Application
}
interface NodeModule {
  fromNodeListener(listener: unknown): Application
}

/**
 * Imports `@tsgi/adapters/<entry>` as the application would: resolved from `appFile`, where the
 * user installed it. Not from the server's own location: pnpm links an optional peer into the
 * server's `node_modules` in a workspace, which would hide a missing install from the user.
 * Throws `TSGI_SERVER_ERR_LOAD` saying to install it when the app cannot resolve it.
 */
export async function importAdapter(entry: 'fetch' | 'node', appFile: string): Promise<unknown> {
  const specifier = `@tsgi/adapters/${entry}`
  let url: string
  try {
    url = pathToFileURL(createRequire(appFile).resolve(specifier)).href
  } catch {
    throw new ServerError(
      ServerErrorCode.load,
      `${specifier} is needed to serve ${entry === 'fetch' ? 'a fetch handler' : 'a node listener'} but is not installed (looked from ${appFile}): npm install @tsgi/adapters`,
    )
  }
  try {
    return await import(url)
  } catch (error) {
    throw new ServerError(
      ServerErrorCode.load,
      `cannot load ${specifier}: ${(error as Error).message}`,
      { cause: error },
    )
  }
}

/**
 * The TSGI application serving `value` as `detection` says: `value` itself for `tsgi`, else
 * wrapped by `fromFetch` or `fromNodeListener` (a Koa instance through its `callback()`).
 */
export async function adaptApp(
  value: unknown,
  detection: Detection,
  appFile: string,
): Promise<Application> {
  if (detection.interface === 'tsgi') return value as Application
  if (detection.interface === 'fetch') {
    const mod = (await importAdapter('fetch', appFile)) as FetchModule
    return mod.fromFetch(value)
  }
  const mod = (await importAdapter('node', appFile)) as NodeModule
  const listener = isKoaApp(value) ? (value as { callback(): unknown }).callback() : value
  return mod.fromNodeListener(listener)
}

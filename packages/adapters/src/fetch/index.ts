/**
 * `@tsgi/adapters/fetch`: WinterTC fetch handlers (hono, h3, Elysia, itty) as TSGI
 * applications.
 *
 * @module
 */
export { FetchAdapterError, FetchAdapterErrorCode } from './errors.ts'
export {
  type FetchContext,
  type FetchHandler,
  type FetchHandlerObject,
  type FromFetchOptions,
  fromFetch,
} from './from-fetch.ts'
export type { LifespanHooks } from './lifespan.ts'
export { type FetchApplication, type ToFetchOptions, toFetch } from './to-fetch.ts'

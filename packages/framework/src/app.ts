/**
 * The application: a Router that is itself a TSGI application (so `tsgi app.ts:app` serves
 * it), with lifespan hooks, typed state, error handling and the dispatch of each request.
 *
 * @module
 */
import {
  type Application,
  type HTTPScope,
  type Receive,
  type Scope,
  type Send,
  type State,
  UnsupportedScopeError,
} from '@tsgi/protocol'
import type {
  RequestInit,
  TestClient,
  TestClientOptions,
  TestResponse,
} from '@tsgi/protocol/testing'
import { deferredTestClient } from './deferred-client.ts'
import { type DispatcherOptions, RouteDispatcher } from './dispatcher.ts'
import { runLifespan } from './lifespan.ts'
import type { RouteRecord } from './router/router.ts'
import { Router } from './router/router.ts'

/** Where the framework logs unhandled errors. */
export interface AppLogger {
  error(message: string, error?: unknown): void
}

/** Options of {@link createApp}. */
export interface AppOptions extends Partial<DispatcherOptions> {
  /** Prefix for every route. */
  prefix?: string
}

/** A lifespan hook; gets the state to fill (startup) or clean up (shutdown). */
export type LifespanHook<S extends State> = (state: S) => void | Promise<void>

/** Lifespan hooks and the test helper an application adds to a Router. */
export interface AppMethods<S extends State> {
  /** Runs at startup, in registration order; a failure fails the server's start with its message. */
  onStartup(hook: LifespanHook<S>): App<S>
  /** Runs at shutdown, in reverse registration order (last opened, first closed). */
  onShutdown(hook: LifespanHook<S>): App<S>
  /**
   * Sends a request through the in-memory test client (no socket). The client is loaded on the
   * first call: production, which never calls it, never loads it.
   */
  request(target: string | RequestInit, init?: RequestInit): Promise<TestResponse>
  /**
   * A test client for this app (its lifespan runs with `startup()`), loaded on its first call.
   * For tests in memory and over a socket, see `@tsgi/framework/testing`.
   */
  testClient(options?: TestClientOptions): TestClient
  /** The route table, one line per method and path (for a `routes` listing). */
  routes(): string[]
}

/** An application: a TSGI `Application` with a Router's methods. */
export type App<S extends State = State> = Application<S> & Router<S> & AppMethods<S>

class AppCore<S extends State> extends Router<S> {
  readonly dispatcher: RouteDispatcher
  readonly startupHooks: LifespanHook<S>[] = []
  readonly shutdownHooks: LifespanHook<S>[] = []
  /** The shared test client of `request()` (a box: the callable app must not grow fields). */
  private readonly clientBox: { client?: TestClient } = {}

  constructor(options: AppOptions) {
    super({ prefix: options.prefix })
    this.dispatcher = new RouteDispatcher(this.scope, this.mounts, options)
  }

  protected override added(record: RouteRecord): void {
    this.dispatcher.add(record)
  }

  handle(scope: Scope, receive: Receive, send: Send): Promise<void> {
    switch (scope.type) {
      case 'http':
        return this.dispatcher.http(scope as HTTPScope, receive, send)
      case 'websocket':
        return this.dispatcher.websocket(scope, receive, send)
      case 'lifespan':
        return runLifespan(
          scope.state as S,
          receive,
          send,
          this.startupHooks,
          this.shutdownHooks,
          () => this.dispatcher.check(),
        )
      default:
        return Promise.reject(new UnsupportedScopeError((scope as { type: string }).type))
    }
  }

  onStartup(hook: LifespanHook<S>): this {
    this.startupHooks.push(hook)
    return this
  }

  onShutdown(hook: LifespanHook<S>): this {
    this.shutdownHooks.push(hook)
    return this
  }

  request(this: App<S>, target: string | RequestInit, init?: RequestInit): Promise<TestResponse> {
    const box = (this as unknown as AppCore<S>).clientBox
    box.client ??= deferredTestClient(this)
    return box.client.request(target, init)
  }

  testClient(this: App<S>, options?: TestClientOptions): TestClient {
    return deferredTestClient(this, options)
  }

  routes(): string[] {
    return this.dispatcher.table()
  }
}

/**
 * Creates an application. `S` types the lifespan state that startup hooks fill and handlers
 * read as `req.state`.
 *
 * @example
 * ```ts
 * const app = createApp<{ greeting: string }>()
 * app.onStartup((state) => { state.greeting = 'hello' })
 * app.get('/users/:id', (req) => ({ id: req.params.id, greeting: req.state.greeting }))
 * export default app // tsgi app.ts
 * ```
 */
export function createApp<S extends State = State>(options: AppOptions = {}): App<S> {
  const core = new AppCore<S>(options)
  // The app must be callable (it is the TSGI application) and carry the router's methods.
  // The callable inherits from the core object; the core keeps a stable shape for dispatch.
  const entry = function tsgiApp(scope: Scope, receive: Receive, send: Send): Promise<void> {
    return core.handle(scope, receive, send)
  }
  Object.setPrototypeOf(entry, core)
  return entry as unknown as App<S>
}

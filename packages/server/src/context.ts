/**
 * What every connection handler shares: the application, the resolved options, the lifespan
 * state, and the bookkeeping that limits concurrency and drives graceful shutdown.
 *
 * @module
 */

import type { Application, Extensions, State } from '@tsgi/protocol'
import type { ResolvedOptions } from './config/options.ts'
import { BodyWatchdog } from './http/body-watchdog.ts'
import type { Logger } from './logging/logger.ts'
import { type TrustedProxies, trustedProxies } from './scope/proxy.ts'

/** Something in flight that shutdown may have to cut short. */
export interface InFlight {
  /** Called when the graceful timeout expires (requests) or at shutdown start (WebSockets). */
  abort(reason: 'shutdown'): void
}

/** Shared state of one server (or one request listener). */
export class ServerContext {
  readonly app: Application
  readonly options: ResolvedOptions
  readonly logger: Logger
  /** Lifespan state; each scope gets a shallow copy. */
  state: State
  /** The extensions HTTP scopes advertise (TLS connections add `tls`). */
  readonly httpExtensions: Extensions
  /** The extensions WebSocket scopes advertise. */
  readonly wsExtensions: Extensions
  /** Trusted proxies, when proxy headers are on. */
  readonly proxies: TrustedProxies | null
  /** Set once shutdown begins: new requests get 503 and connections close after their response. */
  closing = false
  /** Unix socket path the server listens on, if any. */
  readonly uds: string | undefined
  /**
   * In-flight work that shutdown must abort itself (WebSocket sessions). HTTP requests are only
   * counted (a Set costs a hash per request): shutdown cuts them with closeAllConnections().
   */
  readonly inFlight = new Set<InFlight>()
  private requests = 0
  /** Times out requests whose body stalls while the application waits for it. */
  readonly bodyWatchdog: BodyWatchdog
  private drained: (() => void) | null = null

  constructor(app: Application, options: ResolvedOptions, logger: Logger) {
    this.app = app
    this.options = options
    this.logger = logger
    this.state = options.state ?? {}
    this.uds = options.uds
    this.httpExtensions = Object.freeze({
      'http.response.trailers': {},
      'http.response.pathsend': {},
    })
    this.wsExtensions = Object.freeze({ 'websocket.http.response': {} })
    this.bodyWatchdog = new BodyWatchdog(options.timeoutRequestBody)
    this.proxies = options.proxyHeaders ? trustedProxies(options.forwardedAllowIps) : null
  }

  /** Whether one more request or session would pass `--limit-concurrency`. */
  get saturated(): boolean {
    const limit = this.options.limitConcurrency
    return limit !== undefined && this.inFlightCount >= limit
  }

  /** Requests and sessions in flight. */
  get inFlightCount(): number {
    return this.requests + this.inFlight.size
  }

  /** Registers work in flight. */
  begin(work: InFlight): void {
    this.inFlight.add(work)
  }

  /** Unregisters it; resolves a pending {@link drain} once nothing is left. */
  end(work: InFlight): void {
    this.inFlight.delete(work)
    this.settled()
  }

  /** Counts an HTTP request in flight. */
  beginRequest(): void {
    this.requests++
  }

  /** Counts it out; resolves a pending {@link drain} once nothing is left. */
  endRequest(): void {
    this.requests--
    this.settled()
  }

  private settled(): void {
    if (this.drained !== null && this.inFlightCount === 0) {
      this.drained()
      this.drained = null
    }
  }

  /** Resolves when nothing is in flight. */
  drain(): Promise<void> {
    if (this.inFlightCount === 0) return Promise.resolve()
    return new Promise((resolve) => {
      this.drained = resolve
    })
  }
}

/**
 * The ordering rules of a WebSocket session (SPEC.md §6.3), shared by servers and test clients.
 *
 * @module
 */
import type { SendEvent } from './application.ts'
import type { Extensions } from './common.ts'
import { InvalidEventError, UnexpectedEventError } from './errors.ts'
import { validateSendEvent } from './validate.ts'

/**
 * Where a session is: in its `handshake` (nothing answered yet), `open` (accepted), `denying`
 * (a denial response is being sent), or `closed` (the application closed it or finished denying).
 */
export type WebSocketPhase = 'handshake' | 'open' | 'denying' | 'closed'

/**
 * Tracks one WebSocket session from the application's side and rejects events its state does
 * not allow: data before accept, a second accept, anything after close, a subprotocol the
 * client did not offer.
 */
export class WebSocketTracker {
  /** Current phase. */
  phase: WebSocketPhase = 'handshake'
  /** How the handshake was answered: `accept`, `close` (HTTP 403) or `deny` (denial response). */
  outcome: 'accept' | 'close' | 'deny' | null = null
  private readonly subprotocols: readonly string[]
  private readonly extensions: Extensions | undefined

  /**
   * @param subprotocols The subprotocols the client offered (`scope.subprotocols`).
   * @param extensions The extensions offered; the denial response needs `websocket.http.response`.
   */
  constructor(subprotocols: readonly string[], extensions?: Extensions) {
    this.subprotocols = subprotocols
    this.extensions = extensions
  }

  /** Records `event`, or throws `InvalidEventError` / `UnexpectedEventError`. */
  accept(event: SendEvent): void {
    const error = validateSendEvent(event, { scopeType: 'websocket', extensions: this.extensions })
    if (error) throw error
    const type = event.type
    if (this.phase === 'closed') throw this.unexpected(type, 'after the session closed')
    switch (type) {
      case 'websocket.accept': {
        if (this.phase !== 'handshake')
          throw this.unexpected(
            type,
            this.phase === 'open' ? 'twice' : 'while denying the handshake',
          )
        const sp = event.subprotocol
        if (sp != null && !this.subprotocols.includes(sp)) {
          throw new InvalidEventError(
            type,
            'subprotocol',
            `must be one the client offered (${this.subprotocols.join(', ') || 'none'}), got ${JSON.stringify(sp)}`,
          )
        }
        this.phase = 'open'
        this.outcome = 'accept'
        return
      }
      case 'websocket.send':
        if (this.phase !== 'open')
          throw this.unexpected(
            type,
            this.phase === 'handshake' ? 'before websocket.accept' : 'while denying the handshake',
          )
        return
      case 'websocket.close':
        if (this.phase === 'denying')
          throw this.unexpected(type, 'while denying the handshake: finish the denial body')
        if (this.phase === 'handshake') this.outcome = 'close'
        this.phase = 'closed'
        return
      case 'websocket.http.response.start':
        if (this.phase !== 'handshake')
          throw this.unexpected(type, this.phase === 'open' ? 'after websocket.accept' : 'twice')
        this.phase = 'denying'
        this.outcome = 'deny'
        return
      case 'websocket.http.response.body':
        if (this.phase !== 'denying')
          throw this.unexpected(type, 'before websocket.http.response.start')
        if (event.moreBody !== true) this.phase = 'closed'
        return
      default:
        throw new InvalidEventError(type, 'type', 'belongs to another scope type, not websocket')
    }
  }

  private unexpected(type: string, reason: string): UnexpectedEventError {
    return new UnexpectedEventError(type, this.phase, reason)
  }
}

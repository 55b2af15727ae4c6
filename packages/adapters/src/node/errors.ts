/**
 * The node adapter's documented errors, each a `TSGIError` with a stable code of
 * {@link NodeAdapterErrorCode}.
 *
 * @module
 */
import { TSGIError } from '@tsgi/protocol'

/** Stable codes of the node adapter's errors. */
export const NodeAdapterErrorCode = {
  /** `fromNodeListener` got neither a `(req, res)` function nor an emitter of `'request'`. */
  listener: 'TSGI_ADAPTERS_ERR_NODE_LISTENER',
  /** The listener or server has `'upgrade'` listeners, which need a raw socket. */
  upgrade: 'TSGI_ADAPTERS_ERR_NODE_UPGRADE',
  /** The listener ended its response with only an informational (1xx) head. */
  status: 'TSGI_ADAPTERS_ERR_NODE_STATUS',
  /** The bytes `ServerResponse` wrote could not be parsed (a bug of the adapter or of node). */
  responseParse: 'TSGI_ADAPTERS_ERR_RESPONSE_PARSE',
} as const

/** One of the {@link NodeAdapterErrorCode} values. */
export type NodeAdapterErrorCode = (typeof NodeAdapterErrorCode)[keyof typeof NodeAdapterErrorCode]

/**
 * `fromNodeListener` cannot serve what it was given: not a `(req, res)` function nor an
 * `http.Server` with `'request'` listeners (`TSGI_ADAPTERS_ERR_NODE_LISTENER`), or a server
 * whose `'upgrade'` listeners need the raw socket (`TSGI_ADAPTERS_ERR_NODE_UPGRADE`).
 */
export class NodeListenerError extends TSGIError<
  typeof NodeAdapterErrorCode.listener | typeof NodeAdapterErrorCode.upgrade
> {
  constructor(code: NodeListenerError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'NodeListenerError'
  }
}

/**
 * The listener ended a response whose only head was an informational (1xx) status, for
 * example `res.status(101).end()`: a TSGI response's final status is 200–599, interim
 * responses belong to the server and upgrades to `websocket` scopes. The exchange fails (a 500
 * from the server) instead of waiting for a final head that never comes.
 */
export class NodeStatusError extends TSGIError<typeof NodeAdapterErrorCode.status> {
  /** The informational status the listener ended with. */
  readonly status: number

  constructor(status: number) {
    super(
      NodeAdapterErrorCode.status,
      `fromNodeListener: the listener ended its response with status ${status} and no final` +
        ' response; a TSGI final status is 200–599 (1xx responses are the server’s, and an' +
        ' upgrade needs a websocket scope)',
    )
    this.name = 'NodeStatusError'
    this.status = status
  }
}

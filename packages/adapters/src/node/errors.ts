/**
 * The node adapter's documented errors, each with a stable `code`.
 *
 * @module
 */

/**
 * `fromNodeListener` cannot serve what it was given: not a `(req, res)` function nor an
 * `http.Server` with `'request'` listeners (`TSGI_ADAPTERS_ERR_NODE_LISTENER`), or a server
 * whose `'upgrade'` listeners need the raw socket (`TSGI_ADAPTERS_ERR_NODE_UPGRADE`).
 */
export class NodeListenerError extends TypeError {
  /** Stable code. */
  readonly code: 'TSGI_ADAPTERS_ERR_NODE_LISTENER' | 'TSGI_ADAPTERS_ERR_NODE_UPGRADE'

  constructor(
    message: string,
    code: NodeListenerError['code'] = 'TSGI_ADAPTERS_ERR_NODE_LISTENER',
  ) {
    super(message)
    this.name = 'NodeListenerError'
    this.code = code
  }
}

/**
 * The listener ended a response whose only head was an informational (1xx) status, for
 * example `res.status(101).end()`: a TSGI response's final status is 200–599, interim
 * responses belong to the server and upgrades to `websocket` scopes. The exchange fails (a 500
 * from the server) instead of waiting for a final head that never comes.
 */
export class NodeStatusError extends Error {
  /** Stable code. */
  readonly code = 'TSGI_ADAPTERS_ERR_NODE_STATUS'
  /** The informational status the listener ended with. */
  readonly status: number

  constructor(status: number) {
    super(
      `fromNodeListener: the listener ended its response with status ${status} and no final` +
        ' response; a TSGI final status is 200–599 (1xx responses are the server’s, and an' +
        ' upgrade needs a websocket scope)',
    )
    this.name = 'NodeStatusError'
    this.status = status
  }
}

/**
 * The request part of an autocannon run, shared by the packages' benches (server, framework,
 * adapters): one scenario's URL, method, body and, with a body, its JSON content type. Each
 * bench adds its own load shape (connections, duration or amount, response checks).
 *
 * @module
 */

/** What a bench scenario asks: a path, a method, a body for POSTs. */
export interface BenchRequest {
  readonly path: string
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD'
  readonly body?: string | Buffer
}

/** autocannon's `url`, `method`, `body` and `headers` for `request` against 127.0.0.1:`port`. */
export function benchRequest(
  port: number,
  request: BenchRequest,
): {
  url: string
  method: BenchRequest['method']
  body: string | Buffer | undefined
  headers: Record<string, string> | undefined
} {
  return {
    url: `http://127.0.0.1:${port}${request.path}`,
    method: request.method,
    body: request.body,
    headers: request.body ? { 'content-type': 'application/json' } : undefined,
  }
}

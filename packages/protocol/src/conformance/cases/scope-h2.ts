/**
 * The HTTP/2 forms of the scope cases that send their request as HTTP/1.1 bytes (scope.ts):
 * the same request as stream fields, the same scope rule (SPEC.md §3, §5.1, §5.10.1).
 *
 * Not here, HTTP/1.1 only: `scope.http-version` ("1.1"; h2.scope checks "2"),
 * `scope.http-1.0`, `scope.absolute-form` (HTTP/1.1 target forms) and
 * `scope.headers-lowercase` (HTTP/2 names are lowercase on the wire; an uppercase one makes the
 * request malformed, §5.10.2).
 *
 * @module
 */
import type { CaseContext } from '../types.ts'
import { describeStream, type H2Form, type H2RequestOptions, h2, isolated } from './h2-util.ts'
import { expectThat } from './util.ts'

type Scope = Record<string, unknown> & { headers: Array<[string, string]> }

/** The scope of one HTTP/2 request to `/scope`. */
async function h2Scope(ctx: CaseContext, opts: H2RequestOptions = {}): Promise<Scope> {
  const r = await h2(ctx, '/scope', opts)
  try {
    return JSON.parse(r.body.toString('utf8')) as Scope
  } catch {
    throw new Error(`sent ${JSON.stringify(opts)}, got ${describeStream(r)}`)
  }
}

/** An IPv4 peer on a dual-stack socket may be written in its IPv6-mapped form. */
const plainHost = (h: string | undefined) => h?.replace(/^::ffff:(?=\d+\.)/, '')

const forms: Record<string, H2Form> = {
  async 'scope.method-token'(ctx) {
    const scope = await h2Scope(ctx, { method: 'PURGE' })
    expectThat(scope.method === 'PURGE', ':method PURGE', `method ${scope.method}`, '"PURGE"')
  },
  async 'scope.headers-order-duplicates'(ctx) {
    const sent: Array<[string, string]> = [
      ['x-a', '1'],
      ['x-b', '2'],
      ['x-a', '3'],
    ]
    const scope = await h2Scope(ctx, { headers: sent })
    const got = scope.headers.filter(([n]) => n === 'x-a' || n === 'x-b')
    expectThat(
      JSON.stringify(got) === JSON.stringify(sent),
      'x-a: 1, x-b: 2, x-a: 3 (three field lines)',
      JSON.stringify(got),
      'three pairs in that order, not merged',
    )
  },
  async 'scope.headers-latin1'(ctx) {
    // node:http2 writes a field value's characters as single bytes: U+00E9 is byte 0xE9.
    const scope = await h2Scope(ctx, { headers: [['x-latin', 'caf\u00e9']] })
    const value = scope.headers?.find(([n]) => n === 'x-latin')?.[1]
    expectThat(
      value === 'caf\u00e9',
      'x-latin: caf\\xe9',
      JSON.stringify(value),
      '"café" (byte 0xE9 as U+00E9)',
    )
  },
  async 'scope.client-peer'(ctx) {
    // The client is the session's socket, for every stream on it.
    const session = await isolated(ctx)
    try {
      const peer = { host: session.socket.localAddress, port: session.socket.localPort }
      const scope = await h2Scope(ctx, { session })
      const client = scope.client as { host?: string; port?: number } | null | undefined
      expectThat(
        plainHost(client?.host) === plainHost(peer.host) && client?.port === peer.port,
        `GET /scope over HTTP/2 from ${peer.host}:${peer.port}`,
        `client ${JSON.stringify(client)}`,
        `client { host: "${peer.host}", port: ${peer.port} }`,
      )
    } finally {
      session.destroy()
    }
  },
}

/** The HTTP/2 form of scope case `id`, if it has one. */
export const scopeH2 = (id: string): H2Form | undefined => forms[id]

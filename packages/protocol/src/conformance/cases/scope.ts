/** HTTP scope fields (SPEC.md §5.1). */
import { validateScope } from '../../validate-incoming.ts'
import type { Case, CaseContext, Http2Mode } from '../types.ts'
import { WireConnection } from '../wire-connection.ts'
import { schemeOf, withH2Forms } from './h2-util.ts'
import { scopeH2 } from './scope-h2.ts'
import { expectThat, fetchJSON, raw } from './util.ts'

type Scope = Record<string, unknown> & { headers: Array<[string, string]> }
const scopeOf = (ctx: CaseContext, path: string, init?: RequestInit) =>
  fetchJSON<Scope>(ctx, path, init)

async function rawScope(ctx: CaseContext, request: string): Promise<Scope> {
  const { responses, text } = await raw(ctx, request)
  const body = responses[0]?.body.toString('utf8') ?? ''
  try {
    return JSON.parse(body) as Scope
  } catch {
    throw new Error(`sent ${JSON.stringify(request)}, got ${JSON.stringify(text.slice(0, 200))}`)
  }
}

function field(
  id: string,
  title: string,
  path: string,
  name: string,
  expected: unknown,
  init?: RequestInit,
  http2: Http2Mode = 'same',
): Case {
  return {
    id,
    title,
    spec: '§5.1',
    app: 'main',
    http2,
    async run(ctx) {
      const scope = await scopeOf(ctx, path, init)
      // Behind a root path, path and rawPath carry it as a prefix (SPEC.md §5.1).
      const want =
        name === 'path' || name === 'rawPath'
          ? `${ctx.rootPath}${expected as string}`
          : name === 'rootPath'
            ? ctx.rootPath
            : // The connection's own scheme: `https` when the run is over TLS (§5.10.1).
              name === 'scheme'
              ? schemeOf(ctx.url)
              : expected
      expectThat(
        JSON.stringify(scope[name]) === JSON.stringify(want),
        `GET ${path}`,
        `scope.${name} = ${JSON.stringify(scope[name])}`,
        `scope.${name} = ${JSON.stringify(want)}`,
      )
    },
  }
}

const cases: Case[] = [
  field('scope.type', 'type is "http"', '/scope', 'type', 'http'),
  field('scope.tsgi', 'tsgi is { version: "1.0", specVersion: "1.0" }', '/scope', 'tsgi', {
    version: '1.0',
    specVersion: '1.0',
  }),
  field(
    'scope.http-version',
    'httpVersion is "1.1" for HTTP/1.1',
    '/scope',
    'httpVersion',
    '1.1',
    undefined,
    'http1-only', // h2.scope checks "2"
  ),
  field('scope.scheme', 'scheme is "http" on a plain connection', '/scope', 'scheme', 'http'),
  field('scope.method', 'method as sent', '/scope', 'method', 'POST', {
    method: 'POST',
    body: '',
  }),
  field(
    'scope.path-decoded',
    'path is percent-decoded, then UTF-8 decoded',
    '/scope/caf%C3%A9%20x',
    'path',
    '/scope/café x',
  ),
  field(
    'scope.raw-path',
    'rawPath keeps the escapes',
    '/scope/caf%C3%A9%20x',
    'rawPath',
    '/scope/caf%C3%A9%20x',
  ),
  field(
    'scope.slash-decoded',
    '%2F decodes to "/" in path only',
    '/scope/a%2Fb',
    'path',
    '/scope/a/b',
  ),
  field(
    'scope.invalid-utf8',
    'invalid UTF-8 decodes to U+FFFD',
    '/scope/%FF',
    'path',
    '/scope/\uFFFD',
  ),
  field(
    'scope.query-raw',
    'queryString is the raw bytes after "?"',
    '/scope?a=1&b=%20+x&a=2',
    'queryString',
    'a=1&b=%20+x&a=2',
  ),
  field('scope.query-empty', 'queryString is "" without a query', '/scope', 'queryString', ''),
  field('scope.root-path', 'rootPath is "" by default', '/scope', 'rootPath', ''),
  {
    id: 'scope.http-1.0',
    title: 'httpVersion is "1.0" for an HTTP/1.0 request',
    spec: '§5.1',
    app: 'main',
    async run(ctx) {
      const scope = await rawScope(ctx, 'GET /scope HTTP/1.0\r\n\r\n')
      expectThat(
        scope.httpVersion === '1.0',
        'GET /scope HTTP/1.0',
        `httpVersion ${scope.httpVersion}`,
        '"1.0"',
      )
    },
  },
  {
    id: 'scope.method-token',
    title: 'any method token reaches the app',
    spec: '§5.1',
    app: 'main',
    async run(ctx) {
      const scope = await rawScope(
        ctx,
        'PURGE /scope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
      )
      expectThat(scope.method === 'PURGE', 'PURGE /scope', `method ${scope.method}`, '"PURGE"')
    },
  },
  {
    id: 'scope.headers-lowercase',
    title: 'header names are lowercased',
    spec: '§3',
    app: 'main',
    async run(ctx) {
      const scope = await rawScope(
        ctx,
        'GET /scope HTTP/1.1\r\nHost: h\r\nX-MiXeD-Case: v\r\nConnection: close\r\n\r\n',
      )
      expectThat(
        scope.headers.some(([n, v]) => n === 'x-mixed-case' && v === 'v') &&
          scope.headers.every(([n]) => n === n.toLowerCase()),
        'X-MiXeD-Case: v',
        JSON.stringify(scope.headers),
        'a ["x-mixed-case", "v"] pair, every name lowercase',
      )
    },
  },
  {
    id: 'scope.headers-order-duplicates',
    title: 'header order and duplicates are kept',
    spec: '§3',
    app: 'main',
    async run(ctx) {
      const scope = await rawScope(
        ctx,
        'GET /scope HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-B: 2\r\nX-A: 3\r\nConnection: close\r\n\r\n',
      )
      const got = scope.headers.filter(([n]) => n === 'x-a' || n === 'x-b')
      expectThat(
        JSON.stringify(got) ===
          JSON.stringify([
            ['x-a', '1'],
            ['x-b', '2'],
            ['x-a', '3'],
          ]),
        'X-A: 1, X-B: 2, X-A: 3',
        JSON.stringify(got),
        'three pairs in that order, not merged',
      )
    },
  },
  {
    id: 'scope.headers-latin1',
    title: 'obs-text header values arrive as latin1',
    spec: '§3',
    app: 'main',
    async run(ctx) {
      const request = Buffer.concat([
        Buffer.from('GET /scope HTTP/1.1\r\nHost: h\r\nX-Latin: caf'),
        Buffer.from([0xe9]),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ])
      const { responses } = await raw(ctx, request)
      const scope = JSON.parse(responses[0]?.body.toString('utf8') ?? '{}') as Scope
      const value = scope.headers?.find(([n]) => n === 'x-latin')?.[1]
      expectThat(
        value === 'caf\u00e9',
        'X-Latin: caf\\xe9',
        JSON.stringify(value),
        '"café" (byte 0xE9 as U+00E9)',
      )
    },
  },
  {
    id: 'scope.client-server',
    http2: 'same',
    title: 'client and server addresses are set',
    spec: '§5.1',
    app: 'main',
    async run(ctx) {
      const scope = await scopeOf(ctx, '/scope')
      const client = scope.client as { host: string; port: number } | null
      const server = scope.server as { host: string; port: number } | null
      expectThat(
        client !== null &&
          typeof client.host === 'string' &&
          Number.isInteger(client.port) &&
          server?.port === ctx.port,
        'GET /scope',
        `client ${JSON.stringify(client)}, server ${JSON.stringify(server)}`,
        `a client address, and server.port ${ctx.port}`,
      )
    },
  },
  {
    id: 'scope.client-peer',
    title: "client is the peer: the address and port of the client's own socket",
    spec: '§5.1',
    app: 'main',
    async run(ctx) {
      const c = await WireConnection.open(ctx.port, ctx.host)
      try {
        await c.write('GET /scope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
        const [res] = await c.response(1)
        const scope = JSON.parse(res?.body.toString('utf8') || '{}') as Scope
        const client = scope.client as { host?: string; port?: number } | null | undefined
        const peer = { host: c.socket.localAddress, port: c.socket.localPort }
        // An IPv4 peer on a dual-stack socket may be written in its IPv6-mapped form.
        const plain = (h: string | undefined) => h?.replace(/^::ffff:(?=\d+\.)/, '')
        expectThat(
          plain(client?.host) === plain(peer.host) && client?.port === peer.port,
          `GET /scope from ${peer.host}:${peer.port}`,
          `client ${JSON.stringify(client)}`,
          `client { host: "${peer.host}", port: ${peer.port} }`,
        )
      } finally {
        c.destroy()
      }
    },
  },
  {
    id: 'scope.absolute-form',
    title: 'an absolute-form target keeps only path and query',
    spec: '§5.1',
    app: 'main',
    async run(ctx) {
      const scope = await rawScope(
        ctx,
        'GET http://h/scope/abs?x=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
      )
      expectThat(
        scope.path === `${ctx.rootPath}/scope/abs` && scope.queryString === 'x=1',
        'GET http://h/scope/abs?x=1',
        `path ${JSON.stringify(scope.path)}, queryString ${JSON.stringify(scope.queryString)}`,
        'path "/scope/abs", queryString "x=1"',
      )
    },
  },
  {
    id: 'scope.root-path-prefixed',
    http2: 'same',
    title: 'behind a root path, rootPath is set and prefixed to path and rawPath',
    spec: '§5.1',
    app: 'main',
    needs: ['root-path'],
    async run(ctx) {
      const scope = await scopeOf(ctx, '/scope/x%20y')
      expectThat(
        scope.rootPath === ctx.rootPath &&
          scope.path === `${ctx.rootPath}/scope/x y` &&
          scope.rawPath === `${ctx.rootPath}/scope/x%20y`,
        `GET /scope/x%20y to a server started with --root-path ${ctx.rootPath}`,
        JSON.stringify({ rootPath: scope.rootPath, path: scope.path, rawPath: scope.rawPath }),
        `rootPath ${ctx.rootPath}, path ${ctx.rootPath}/scope/x y, rawPath ${ctx.rootPath}/scope/x%20y`,
      )
    },
  },
  {
    id: 'scope.valid',
    http2: 'same',
    title: 'the whole scope passes validateScope',
    spec: '§5.1',
    app: 'main',
    async run(ctx) {
      const scope = await scopeOf(ctx, '/scope?v=1', { headers: { 'x-check': 'yes' } })
      delete scope.bodyLength
      const error = validateScope({ ...scope, state: {} })
      expectThat(error === undefined, 'GET /scope?v=1', error?.message ?? '', 'a valid http scope')
    },
  },
]

/** The scope cases; those sent as HTTP/1.1 bytes have their HTTP/2 form (scope-h2.ts). */
export const scopeCases: Case[] = withH2Forms(cases, scopeH2)

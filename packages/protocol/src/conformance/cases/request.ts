/** Requests a server must serve or answer in a given way (SPEC.md §5.8.6, §5.8.11, §5.8.12). */
import type { Case, CaseContext } from '../types.ts'
import { describeStream, field, type H2Form, h2, sessionServes, withH2Forms } from './h2-util.ts'
import { answered, describeResponses, expectThat, header, raw, stillServing } from './util.ts'

type Scope = { headers: Array<[string, string]> }

async function scopeOf(ctx: CaseContext, request: string) {
  const { responses, text } = await raw(ctx, request, { timeout: 10_000, until: answered })
  const r = responses[0]
  let scope: Scope | null = null
  try {
    scope = r?.status === 200 ? (JSON.parse(r.body.toString('utf8')) as Scope) : null
  } catch {}
  return { scope, described: describeResponses(responses, text) }
}

const cases: Case[] = [
  {
    id: 'request.upgrade-ignored',
    title: 'an upgrade the server does not implement (h2c) is ignored: served over HTTP/1.1',
    spec: '§5.8.11',
    app: 'main',
    async run(ctx) {
      const { scope, described } = await scopeOf(
        ctx,
        'GET /scope HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
      )
      // Names compared without case: lowercasing is another case's rule (§3).
      const upgrade = scope?.headers
        .filter(([n]) => n.toLowerCase() === 'upgrade')
        .map(([, v]) => v)
      expectThat(
        JSON.stringify(upgrade) === '["h2c"]',
        'GET /scope with Upgrade: h2c (what curl --http2 sends)',
        `${described}; upgrade in the scope: ${JSON.stringify(upgrade ?? null)}`,
        'a 200 from the app, whose scope has the upgrade: h2c header',
      )
    },
  },
  {
    id: 'request.absolute-form-host',
    title: "an absolute-form target's authority replaces Host in the scope",
    spec: '§5.8.6',
    app: 'main',
    async run(ctx) {
      const { scope, described } = await scopeOf(
        ctx,
        'GET http://example.com:8080/scope HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n',
      )
      const hosts = scope?.headers.filter(([n]) => n.toLowerCase() === 'host').map(([, v]) => v)
      expectThat(
        JSON.stringify(hosts) === '["example.com:8080"]',
        'GET http://example.com:8080/scope with Host: other',
        `${described}; host in the scope: ${JSON.stringify(hosts ?? null)}`,
        'one host header, "example.com:8080"',
      )
    },
  },
  {
    id: 'request.connect-refused',
    title: 'CONNECT to a server that is no proxy → 405 or 501 with connection: close',
    spec: '§5.8.12',
    app: 'main',
    async run(ctx) {
      const request = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'
      const { responses, text, closed } = await raw(ctx, request, { timeout: 10_000 })
      const r = responses[0]
      expectThat(
        responses.length === 1 &&
          (r?.status === 405 || r?.status === 501) &&
          header(r, 'connection') === 'close' &&
          closed,
        JSON.stringify(request),
        `${describeResponses(responses, text)}; connection: ${header(r, 'connection')}; closed: ${closed}`,
        '405 or 501 with connection: close, then the connection closed (never a silent drop)',
      )
      await stillServing(ctx)
    },
  },
]

/**
 * The HTTP/2 forms. `request.upgrade-ignored` and `request.absolute-form-host` stay HTTP/1.1
 * only: `upgrade` is connection-specific (a malformed request over HTTP/2, §5.10.2), and
 * :path has no absolute form.
 */
const forms: Record<string, H2Form> = {
  // The refusal is answered on the CONNECT stream; the session is kept (§5.10.2).
  async 'request.connect-refused'(ctx) {
    const r = await h2(ctx, 'example.com:443', { method: 'CONNECT' })
    expectThat(
      (r.status === 405 || r.status === 501) &&
        r.rstCode === 0 &&
        field(r, 'connection') === undefined,
      'CONNECT with :authority example.com:443 (HTTP/2)',
      describeStream(r),
      '405 or 501 on that stream (no connection field: it is connection-specific)',
    )
    await sessionServes(ctx, 'CONNECT example.com:443')
  },
}

/** The request cases; `request.connect-refused` has an HTTP/2 form. */
export const requestCases: Case[] = withH2Forms(cases, (id) => forms[id])

/**
 * The faulty-server matrix: each deliberate fault of test/conformance/fault-server.ts and the
 * cases it must fail, and the run that finds which cases do. Used by conformance-faults.test.ts
 * (HTTP/1.1) and conformance-faults-h2.test.ts (h2c).
 */
import { fileURLToPath } from 'node:url'
import { type CaseResult, runServerSuite } from '@tsgi/protocol/conformance'
import { describe, expect, test } from 'vitest'

const faultServer = fileURLToPath(new URL('./fault-server.ts', import.meta.url))
const node = `"${process.execPath}"`

/** Each HTTP/1.1 fault, and the cases it must fail (a recommended case counts like any other). */
export const faults: Record<string, string[]> = {
  'path-not-decoded': ['scope.path-decoded', 'scope.slash-decoded', 'scope.invalid-utf8'],
  'query-decoded': ['scope.query-raw'],
  'headers-merged': ['scope.headers-order-duplicates'],
  'headers-not-lowercased': [
    'scope.headers-lowercase',
    'scope.headers-order-duplicates',
    'scope.headers-latin1',
    'scope.valid',
  ],
  'client-not-peer': ['scope.client-peer'],
  'state-not-copied': ['lifespan.state-shallow-copy'],
  'no-lifespan-wait': ['lifespan.startup-before-serving', 'lifespan.startup-failure-exits'],
  'accepts-after-sigterm': ['shutdown.stops-accepting'],
  'no-500-on-early-throw': ['errors.throw-before-start'],
  'over-length-prefix': ['errors.over-content-length'],
  'bytes-after-bodyless': [
    'response.head',
    'response.head-streamed',
    'response.204-no-body',
    'response.304-no-body',
    'response.pathsend-head',
  ],
  'no-backpressure': ['disconnect.mid-stream', 'disconnect.response-backpressure'],
  'send-resolves-after-disconnect': ['disconnect.send-rejects', 'disconnect.mid-stream'],
  'receive-no-disconnect': [
    'disconnect.mid-request',
    'disconnect.send-rejects',
    'disconnect.mid-stream',
    'disconnect.receive-after-complete',
  ],
  'eager-100-continue': ['body.no-100-without-receive'],
  'upgrade-refused': ['request.upgrade-ignored'],
  'host-unchecked': [
    'request.absolute-form-host',
    'malformed.host-whitespace',
    'malformed.host-delimiters',
  ],
  '431-for-long-target': ['malformed.target-too-long'],
  // --insecure-http-parser: what node:http's strict parser refuses gets through; the server's
  // own Transfer-Encoding checks still refuse `chunked, identity`.
  'lenient-parser': [
    'malformed.cl-te-conflict',
    'malformed.obfuscated-te',
    'malformed.obs-fold',
    'framing.chunk-line-lf',
  ],
  'te-unchecked': ['framing.unknown-coding', 'framing.http-1.0-transfer-encoding'],
  'framing-silent': [
    'framing.chunk-size-plus',
    'framing.chunk-size-0x',
    'framing.chunk-size-overflow',
    'framing.chunk-line-lf',
    'framing.chunk-missing-crlf',
    'framing.chunk-extension-too-long',
  ],
  'pipeline-unbounded': ['keepalive.pipelining-bounded'],
}

/**
 * The HTTP/2 faults (faults-h2.ts), run over h2c against the fault server started with
 * --http2, and the cases each must fail; the last two are HTTP/1.1 faults of the app's events,
 * to show the h2-only cases of those rules bite too.
 */
export const h2Faults: Record<string, string[]> = {
  'h2-pseudo-headers-in-scope': ['h2.scope', 'scope.valid'],
  'h2-no-host-from-authority': ['h2.scope'],
  'h2-rst-no-disconnect': [
    'disconnect.mid-request',
    'disconnect.mid-stream',
    'disconnect.receive-after-complete',
    'disconnect.send-rejects',
    'h2.rst-disconnect',
  ],
  'h2-connection-headers-kept': ['response.app-transfer-encoding-ignored'],
  'h2-session-dies-with-stream': [
    'errors.return-mid-body',
    'errors.throw-after-start',
    'errors.throw-after-start-chunked',
    'h2.reset-after-start',
  ],
  'h2-end-instead-of-reset': [
    'errors.return-mid-body',
    'errors.throw-after-start-chunked',
    'h2.reset-after-start',
  ],
  'h2-ignores-flow-control': ['disconnect.mid-stream', 'disconnect.response-backpressure'],
  'h2-request-body-unbounded': ['body.backpressure'],
  'no-500-on-early-throw': ['errors.throw-before-start', 'h2.throw-before-start'],
  'over-length-prefix': ['errors.over-content-length', 'h2.over-content-length'],
  'h2-no-goaway-on-shutdown': ['shutdown.stops-accepting'],
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The cases that fail with `fault`. A case outside the fault's set that failed by a timeout or
 * an error (not a failed expectation) is run again on its own, with more time: a loaded
 * machine must not be counted as the fault's. What still fails is reported with its message.
 */
async function failingCases(fault: string, transport: 'http1' | 'h2c' = 'http1') {
  const flags = fault === 'lenient-parser' ? '--insecure-http-parser ' : ''
  const h2 = transport === 'h2c' ? ' --http2' : ''
  const command = `${node} ${flags}--conditions=@tsgi/source ${faultServer} ${fault} {app} {port} {host}${h2}`
  const report = await runServerSuite({ command, transport })
  const expected = new Set((transport === 'h2c' ? h2Faults : faults)[fault])
  const failed = new Map<string, CaseResult>()
  for (const r of report.results) if (r.status === 'failed') failed.set(r.id, r)
  for (const r of [...failed.values()]) {
    if (expected.has(r.id) || r.failure === 'assertion') continue
    const again = await runServerSuite({
      command,
      transport,
      grep: new RegExp(`^${escapeRe(r.id)}$`),
      timeoutMs: 90_000,
    })
    const retried = again.results.find((x) => x.id === r.id)
    if (retried?.status === 'passed') failed.delete(r.id)
    else if (retried) failed.set(r.id, retried)
  }
  const unexpected = Object.fromEntries(
    [...failed.values()]
      .filter((r) => !expected.has(r.id))
      .map((r) => [r.id, `${r.failure}: ${r.message}`]),
  )
  return { failed: [...failed.keys()].sort(), unexpected }
}

/**
 * One test per two faults (two servers at a time: the runs mostly wait on sockets, but the
 * machine may be busy), each expecting exactly its fault's cases to fail.
 */
export function describeMatrix(
  title: string,
  table: Record<string, string[]>,
  transport: 'http1' | 'h2c',
): void {
  describe(title, () => {
    const names = Object.keys(table)
    for (let i = 0; i < names.length; i += 2) {
      const batch = names.slice(i, i + 2)
      const name = transport === 'h2c' ? `h2c: ${batch.join(', ')}` : batch.join(', ')
      test(name, { timeout: 600_000 }, async () => {
        const results = await Promise.all(batch.map((f) => failingCases(f, transport)))
        for (let k = 0; k < batch.length; k++)
          expect({ fault: batch[k], ...results[k] }).toEqual({
            fault: batch[k],
            failed: [...table[batch[k]!]!].sort(),
            unexpected: {},
          })
      })
    }
  })
}

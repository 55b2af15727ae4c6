/**
 * The conformance suite against the reference server (every case must pass, recommended ones
 * included, none skipped), and the proof that it bites: the server with one deliberate fault
 * at a time fails exactly the cases that check that rule, and no unrelated one.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type CaseResult, runServerSuite } from '@tsgi/protocol/conformance'
import { describe, expect, test } from 'vitest'

const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
const faultServer = fileURLToPath(new URL('./conformance/fault-server.ts', import.meta.url))
const node = `"${process.execPath}"`

describe('tsgi-conformance against the reference server', () => {
  test('every case passes; no optional feature is missing', { timeout: 300_000 }, async () => {
    const report = await runServerSuite({
      command: `${node} --conditions=@tsgi/source ${cli} {app} --port {port} --host {host} --root-path {rootPath} --no-access-log`,
    })
    const failed = report.results.filter((r) => r.status !== 'passed')
    expect(failed.map((r) => `${r.id}: ${r.message}`)).toEqual([])
    expect(report.passed).toBeGreaterThanOrEqual(110)
    expect(report.recommended.passed).toBeGreaterThanOrEqual(1)
  })
})

/**
 * What an HTTP/2 run (h2c or h2 over TLS) of the reference server must show: no failure, the
 * h2 cases and the protocol-level ones passed, nothing skipped but the HTTP/1.1 wire cases.
 */
function expectHttp2Pass(report: Awaited<ReturnType<typeof runServerSuite>>): void {
  const failed = report.results.filter((r) => r.status === 'failed')
  expect(failed.map((r) => `${r.id}: ${r.message}`)).toEqual([])
  const passed = report.results.filter((r) => r.status === 'passed').map((r) => r.id)
  expect(passed.filter((id) => id.startsWith('h2.')).length).toBeGreaterThanOrEqual(11)
  expect(passed.filter((id) => id.startsWith('scope.')).length).toBeGreaterThanOrEqual(18)
  // 70 protocol-level cases run over HTTP/2 (the other 49 are HTTP/1.1 wire cases), and 11 h2 ones.
  expect(passed.length).toBeGreaterThanOrEqual(81)
  // Whatever did not run is a wire case, said so; nothing else is skipped.
  const skipped = report.results.filter((r) => r.status === 'skipped')
  expect(skipped.filter((r) => r.message !== 'HTTP/1.1 wire case')).toEqual([])
}

describe('tsgi-conformance --http2 against the reference server (h2c)', () => {
  const command = `${node} --conditions=@tsgi/source ${cli} {app} --port {port} --host {host} --root-path {rootPath} --no-access-log`

  test('no failure: the h2 cases and the protocol-level ones pass over h2c', {
    timeout: 300_000,
  }, async () => {
    expectHttp2Pass(await runServerSuite({ command: `${command} --http2`, transport: 'h2c' }))
  })

  test('it bites: a server without --http2 fails every case that runs over h2', {
    timeout: 300_000,
  }, async () => {
    const report = await runServerSuite({ command, transport: 'h2c' })
    // Nothing passes but the one case that makes no request (a failed startup must end the
    // server whatever it serves); the optional features cannot even be detected over h2c.
    expect(report.results.filter((r) => r.status === 'passed').map((r) => r.id)).toEqual([
      'lifespan.startup-failure-exits',
    ])
    expect(report.results.filter((r) => r.status === 'failed').length).toBeGreaterThanOrEqual(75)
  })
})

describe('tsgi-conformance --http2 --tls against the reference server (h2 over TLS)', () => {
  const tls = (name: string) => fileURLToPath(new URL(`./tls/${name}`, import.meta.url))
  const command = `${node} --conditions=@tsgi/source ${cli} {app} --port {port} --host {host} --root-path {rootPath} --no-access-log --ssl-keyfile ${tls('key.pem')} --ssl-certfile ${tls('cert.pem')}`
  // The test certificate is self-signed: trusted as the CA, as `--ca` would.
  const ca = readFileSync(tls('cert.pem'))

  test('no failure: the h2 cases and the protocol-level ones pass over h2 (ALPN)', {
    timeout: 300_000,
  }, async () => {
    const report = await runServerSuite({
      command: `${command} --http2`,
      transport: 'h2',
      tls: { ca },
    })
    expectHttp2Pass(report)
  })

  test('it bites: a TLS server without --http2 (HTTP/1.1 only) fails every case that runs', {
    timeout: 300_000,
  }, async () => {
    const report = await runServerSuite({
      command,
      transport: 'h2',
      tls: { ca },
      grep: /^(h2|scope)\./,
    })
    const ran = report.results.filter((r) => r.message !== 'HTTP/1.1 wire case')
    expect(ran.length).toBeGreaterThan(20)
    expect(ran.filter((r) => r.status !== 'failed').map((r) => r.id)).toEqual([])
  })
})

/** Each fault, and the cases it must fail (a recommended case counts like any other). */
const faults: Record<string, string[]> = {
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
const h2Faults: Record<string, string[]> = {
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

describe('the suite bites: one fault, exactly its cases fail', () => {
  const names = Object.keys(faults)
  // Two servers at a time: the runs mostly wait on sockets, but the machine may be busy.
  for (let i = 0; i < names.length; i += 2) {
    const batch = names.slice(i, i + 2)
    test(batch.join(', '), { timeout: 600_000 }, async () => {
      const results = await Promise.all(batch.map((f) => failingCases(f)))
      for (let k = 0; k < batch.length; k++)
        expect({ fault: batch[k], ...results[k] }).toEqual({
          fault: batch[k],
          failed: [...faults[batch[k]!]!].sort(),
          unexpected: {},
        })
    })
  }
})

describe('the suite bites over HTTP/2 (h2c): one fault, exactly its cases fail', () => {
  const names = Object.keys(h2Faults)
  for (let i = 0; i < names.length; i += 2) {
    const batch = names.slice(i, i + 2)
    test(`h2c: ${batch.join(', ')}`, { timeout: 600_000 }, async () => {
      const results = await Promise.all(batch.map((f) => failingCases(f, 'h2c')))
      for (let k = 0; k < batch.length; k++)
        expect({ fault: batch[k], ...results[k] }).toEqual({
          fault: batch[k],
          failed: [...h2Faults[batch[k]!]!].sort(),
          unexpected: {},
        })
    })
  }
})

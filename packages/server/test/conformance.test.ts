/**
 * The conformance suite against the reference server (every case must pass, recommended ones
 * included, none skipped), over HTTP/1.1, h2c and TLS h2, and that a server without HTTP/2
 * fails what runs over it. The proof that each case bites, one deliberate fault at a time, is
 * in conformance-faults.test.ts (HTTP/1.1) and conformance-faults-h2.test.ts (h2c), apart so
 * that the three long files run side by side.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runServerSuite } from '@tsgi/protocol/conformance'
import { describe, expect, test } from 'vitest'

const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
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

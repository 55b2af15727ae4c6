/**
 * The conformance suite against the reference server (every case must pass, none skipped), and
 * the proof that it bites: the server with one deliberate fault at a time fails exactly the
 * cases that check that rule, and no unrelated one.
 */
import { fileURLToPath } from 'node:url'
import { runServerSuite } from '@tsgi/protocol/conformance'
import { describe, expect, test } from 'vitest'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const faultServer = fileURLToPath(new URL('./conformance/fault-server.ts', import.meta.url))
const node = `"${process.execPath}"`

describe('tsgi-conformance against the reference server', () => {
  test('every case passes; no optional feature is missing', { timeout: 180_000 }, async () => {
    const report = await runServerSuite({
      command: `${node} --conditions=@tsgi/source ${cli} {app} --port {port} --host {host} --root-path {rootPath} --no-access-log`,
    })
    const failed = report.results.filter((r) => r.status !== 'passed')
    expect(failed.map((r) => `${r.id}: ${r.message}`)).toEqual([])
    expect(report.passed).toBeGreaterThanOrEqual(90)
  })
})

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
  'state-not-copied': ['lifespan.state-shallow-copy'],
  'no-lifespan-wait': [
    'lifespan.startup-before-serving',
    'lifespan.state-shallow-copy',
    'lifespan.shutdown-after-drain',
  ],
  'no-500-on-early-throw': ['errors.throw-before-start'],
  'no-backpressure': ['disconnect.mid-stream', 'disconnect.response-backpressure'],
  'send-resolves-after-disconnect': ['disconnect.send-rejects', 'disconnect.mid-stream'],
  'receive-no-disconnect': [
    'disconnect.mid-request',
    'disconnect.send-rejects',
    'disconnect.mid-stream',
    'disconnect.receive-after-complete',
  ],
  'eager-100-continue': ['body.no-100-without-receive'],
  'lenient-parser': [
    'malformed.cl-te-conflict',
    'malformed.te-not-chunked-last',
    'malformed.obfuscated-te',
    'malformed.obs-fold',
  ],
}

async function failingCases(fault: string): Promise<string[]> {
  const flags = fault === 'lenient-parser' ? '--insecure-http-parser ' : ''
  const report = await runServerSuite({
    command: `${node} ${flags}--conditions=@tsgi/source ${faultServer} ${fault} {app} {port} {host}`,
  })
  return report.results
    .filter((r) => r.status === 'failed')
    .map((r) => r.id)
    .sort()
}

describe('the suite bites: one fault, exactly its cases fail', () => {
  const names = Object.keys(faults)
  // Three servers at a time: the runs are mostly waiting on sockets.
  for (let i = 0; i < names.length; i += 3) {
    const batch = names.slice(i, i + 3)
    test(batch.join(', '), { timeout: 240_000 }, async () => {
      const results = await Promise.all(batch.map(failingCases))
      for (let k = 0; k < batch.length; k++)
        expect({ fault: batch[k], failed: results[k] }).toEqual({
          fault: batch[k],
          failed: [...faults[batch[k]!]!].sort(),
        })
    })
  }
})

/**
 * `toFetch` on Workers, in the real runtime: workerd serves module workers whose default export
 * is `toFetch(app)` (test/workers/host.ts, bundled per app). `tsgi-conformance` runs against
 * them — every failing case must be listed in test/workers/expected.ts with its reason, and
 * every listed case must fail — and the direct tests drive the probe app: the client address
 * from `CF-Connecting-IP`, a streamed response and a client leaving it, and background work
 * after the response (`ctx.waitUntil`). Skipped without workerd unless TSGI_REQUIRE_RUNTIMES=1.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ErrorCode } from '@tsgi/protocol'
import {
  type AppName,
  appPath,
  type CaseResult,
  fillTemplate,
  runServerSuite,
  selectCases,
} from '@tsgi/protocol/conformance'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEADLINE } from './fetch-helpers.ts'
import { requireRuntimes } from './runtimes/find.ts'
import { expectedFailures, expectedSkips, WORKERD_VERSION } from './workers/expected.ts'
import {
  bundleWorker,
  findWorkerd,
  startWorkerd,
  type Workerd,
  workerdPath,
} from './workers/workerd.ts'

const bin = findWorkerd()
const why = `workerd not found at ${workerdPath} (TSGI_WORKERD; .ci/run installs workerd@${WORKERD_VERSION})`
const APPS: AppName[] = ['lifespan', 'failing-startup', 'no-lifespan', 'main']
const PROBE = fileURLToPath(new URL('./workers/app.ts', import.meta.url))
/** The conformance suite's root path, which it gives a template with `{rootPath}`. */
const ROOT = fillTemplate('{rootPath}', { app: '', port: 0, host: '' })
/**
 * Listed failures that wait out a deadline of seconds on workerd: each runs in a suite of its
 * own, concurrently with the rest, so the test stays short. (Not `keepalive.pipelining-bounded`,
 * the longest case, which measures the server's memory growth: a workerd the earlier cases
 * warmed grows less, and the suite runs it last; see expected.ts.)
 */
const SLOW = [
  'shutdown.stops-accepting',
  'disconnect.send-rejects',
  'errors.throw-before-start',
  'errors.short-content-length',
  'framing.unknown-coding',
]

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const only = (ids: string[]) => new RegExp(`^(${ids.map(escapeRe).join('|')})$`)

/**
 * Runs the cases `ids` against `template`; a case that failed by a timeout or an error (not an
 * assertion) and is not listed is run again alone with more time: a loaded machine is not
 * the runtime's fault.
 */
async function run(template: string, ids: string[]): Promise<CaseResult[]> {
  const report = await runServerSuite({ command: template, grep: only(ids), timeoutMs: 10_000 })
  const results = report.results
  for (const [i, r] of results.entries()) {
    if (r.status !== 'failed' || r.failure === 'assertion' || r.id in expectedFailures) continue
    const again = await runServerSuite({ command: template, grep: only([r.id]), timeoutMs: 90_000 })
    results[i] = again.results[0] ?? r
  }
  return results
}

describe.skipIf(bin === null && !requireRuntimes)(
  bin === null && !requireRuntimes ? `toFetch on workerd (skipped: ${why})` : 'toFetch on workerd',
  () => {
    let dir = ''
    let probe: Workerd | undefined
    beforeAll(async () => {
      expect(bin, why).not.toBeNull()
      dir = await mkdtemp(join(tmpdir(), 'tsgi-workers-'))
      // One bundle per app, in a directory named by the root path and the app's path, so the
      // command template finds it from the `{rootPath}` and `{app}` the suite fills in.
      await Promise.all(
        APPS.map((a) => bundleWorker(appPath(a), join(dir, ROOT, appPath(a)), ROOT)),
      )
      const config = await bundleWorker(PROBE, join(dir, 'probe'), '/mnt')
      probe = await startWorkerd(bin as string, config)
    })
    afterAll(async () => {
      await probe?.stop()
      if (dir !== '') await rm(dir, { recursive: true, force: true })
    })
    const url = (path: string) => `${probe?.url}/${path}`
    const record = async (token: string, after = 0) =>
      (await (await fetch(url(`record?t=${token}&after=${after}`))).json()) as Record<
        string,
        unknown
      > | null

    test('conformance through toFetch: only the listed cases fail', {
      timeout: 120_000,
    }, async () => {
      const template = `"${bin}" serve "${dir}{rootPath}{app}/config.capnp" --socket-addr=http={host}:{port}`
      const all = selectCases(template).map((c) => c.id)
      const notRun = Object.keys(expectedFailures).filter((id) => expectedFailures[id]?.notRun)
      const rest = all.filter((id) => !notRun.includes(id) && !SLOW.includes(id))
      const shards = [rest, ...SLOW.filter((id) => all.includes(id)).map((id) => [id])]
      const results = (await Promise.all(shards.map((ids) => run(template, ids)))).flat()
      const byId = new Map(results.map((r) => [r.id, r]))
      const failed = results.filter((r) => r.status === 'failed')
      const count = (status: string) => results.filter((r) => r.status === status).length
      // One line in the log: the numbers the README's table shows.
      console.log(
        `workerd × toFetch: ${count('passed')} passed, ${failed.length + notRun.length} failed (${notRun.length} not run), ${count('skipped')} skipped, of ${all.length}`,
      )
      expect({
        unexpectedFailures: Object.fromEntries(
          failed
            .filter((r) => !(r.id in expectedFailures))
            .map((r) => [r.id, `${r.failure}: ${r.message}`]),
        ),
        listedButPassed: results
          .filter((r) => r.status === 'passed' && expectedFailures[r.id]?.timing === undefined)
          .filter((r) => r.id in expectedFailures)
          .map((r) => r.id),
        listedButMissing: Object.keys(expectedFailures).filter(
          (id) => !all.includes(id) || (!notRun.includes(id) && !byId.has(id)),
        ),
        skipped: results
          .filter((r) => r.status === 'skipped')
          .map((r) => r.id)
          .sort(),
      }).toEqual({
        unexpectedFailures: {},
        listedButPassed: [],
        listedButMissing: [],
        skipped: [...expectedSkips].sort(),
      })
      // Most of the suite ran and passed (WebSocket through WebSocketPair included).
      expect(count('passed')).toBeGreaterThanOrEqual(85)
    })

    test('the client address is what CF-Connecting-IP says (port 0), null without it', async () => {
      const scopeWith = async (headers: Record<string, string>) =>
        (await (await fetch(url('scope'), { headers })).json()) as Record<string, unknown>
      const named = await scopeWith({ 'cf-connecting-ip': '203.0.113.7' })
      expect(named.client).toEqual({ host: '203.0.113.7', port: 0 })
      // The mount prefix, set at bundle time, prefixes the path.
      expect([named.rootPath, named.path]).toEqual(['/mnt', '/mnt/scope'])
      expect((await scopeWith({})).client).toBeNull()
    })

    test('a streamed response: chunked, every byte, each send() resolved', async () => {
      const res = await fetch(url('stream?n=64&t=whole'))
      expect(res.status).toBe(200)
      // The app sent 64 body events without a length: the runtime frames them itself.
      expect(res.headers.get('content-length')).toBeNull()
      const body = new Uint8Array(await res.arrayBuffer())
      expect(body.byteLength).toBe(64 * 64 * 1024)
      expect(body.every((b) => b === 97)).toBe(true)
      expect((await record('whole'))?.streamed).toBe(64 * 64 * 1024)
    })

    test('a client leaving a stream: send() rejects, receive() yields http.disconnect', async () => {
      // 64 MiB: the app is held by backpressure long before it could finish.
      const res = await fetch(url('stream?n=1024&t=left'))
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      expect((await reader.read()).done).toBe(false)
      await reader.cancel()
      const end = Date.now() + DEADLINE
      let r = await record('left')
      while (r?.next === undefined && Date.now() < end) r = await record('left')
      expect(r).toMatchObject({ rejected: ErrorCode.clientDisconnected, next: 'http.disconnect' })
      expect(r?.streamed as number).toBeLessThan(1024 * 64 * 1024)
    })

    test('background work after the response runs to its end: toFetch hands it to ctx.waitUntil', async () => {
      const res = await fetch(url('background?t=bg&ms=1'))
      expect([res.status, await res.text()]).toEqual([202, 'accepted'])
      // workerd cancels a request's pending I/O once its response is delivered, unless it was
      // handed to `ctx.waitUntil`. The app's 1 ms timer after its response must still fire: the
      // record is read until it says so (each read is a request with a 50 ms timer of its own).
      const end = Date.now() + DEADLINE
      let r = await record('bg', 50)
      while ((r?.steps as string[] | undefined)?.length !== 3 && Date.now() < end) {
        r = await record('bg', 50)
      }
      expect(r?.steps).toEqual(['answered', 'microtask', 'timer'])
    })
  },
)

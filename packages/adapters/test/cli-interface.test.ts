/**
 * `tsgi <module> --interface auto|tsgi|fetch|node` end to end: the real CLI process serves an
 * Express app, a Koa app, a hono app, `export default { fetch }` and a TSGI app from
 * test/fixtures/cli/, with `@tsgi/adapters` resolved from the fixture's location (this package).
 * The server package cannot depend on the adapters, so these tests live here.
 */
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { type CliProcess, tsgi, tsgiRun } from '../../server/test/cli-process.ts'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/cli/${name}`, import.meta.url))

const running: CliProcess[] = []

/** Starts the CLI on a fixture and waits for its ready line. */
async function start(args: string[]): Promise<{ url: string; p: CliProcess }> {
  const p = tsgi(['--port', '0', '--no-access-log', ...args])
  running.push(p)
  return { url: await p.url, p }
}

/** SIGTERM, then the exit code (a graceful shutdown is 0). */
async function stop(p: CliProcess): Promise<number | null> {
  p.child.kill('SIGTERM')
  const code = await p.exited
  await p.closed
  return code
}

afterEach(async () => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) await stop(p)
})

describe('--interface auto', () => {
  test('an Express app is served as a node listener', async () => {
    const { url, p } = await start([fixture('express-app.ts')])
    expect(p.stderr()).toMatch(
      /INFO {2}serving \S+express-app\.ts:default as a node listener, through fromNodeListener from @tsgi\/adapters\/node \(an Express app\)/,
    )
    const who = await fetch(`${url}/who?x=1`)
    expect(await who.json()).toEqual({
      framework: 'express',
      url: '/who?x=1',
      baseUrl: '',
      original: '/who?x=1',
    })
    const echo = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1 }),
    })
    expect(await echo.json()).toEqual({ echoed: { n: 1 } })
    // Express's final handler answers what no route matched.
    expect((await fetch(`${url}/nope`)).status).toBe(404)
    expect(await stop(p)).toBe(0)
  })

  test('under --root-path, Express sees the mount as its baseUrl', async () => {
    // A proxy strips /api and the server puts it back in front of the path (scope.rootPath).
    const { url } = await start([fixture('express-app.ts'), '--root-path', '/api'])
    expect(await (await fetch(`${url}/who`)).json()).toEqual({
      framework: 'express',
      url: '/who',
      baseUrl: '/api',
      original: '/api/who',
    })
  })

  test('a Koa instance is served through its callback()', async () => {
    const { url, p } = await start([fixture('koa-app.ts')])
    expect(p.stderr()).toMatch(/as a node listener, .* \(a Koa app\)/)
    const res = await fetch(`${url}/k?q=2`, { method: 'DELETE' })
    expect(await res.json()).toEqual({ framework: 'koa', path: '/k', method: 'DELETE' })
  })

  test('a hono app is served as a fetch handler, streaming', async () => {
    const { url, p } = await start([fixture('hono-app.ts')])
    expect(p.stderr()).toMatch(
      /serving \S+hono-app\.ts:default as a fetch handler, through fromFetch from @tsgi\/adapters\/fetch \(an object with a fetch method\)/,
    )
    expect(await (await fetch(`${url}/who`)).json()).toEqual({ framework: 'hono', path: '/who' })
    const streamed = await fetch(`${url}/stream`)
    expect(streamed.headers.get('transfer-encoding')).toBe('chunked')
    expect(await streamed.text()).toBe('chunk 0\nchunk 1\nchunk 2\n')
    // fromFetch runs the lifespan: startup completed, shutdown too.
    expect(p.stderr()).toMatch(/application startup complete/)
    expect(await stop(p)).toBe(0)
    expect(p.stderr()).toMatch(/application shutdown complete/)
  })

  test('export default { fetch } is served as a fetch handler', async () => {
    const { url } = await start([fixture('fetch-object.ts')])
    expect(await (await fetch(`${url}/a/b`)).json()).toEqual({ framework: 'fetch', url: '/a/b' })
  })

  test('a TSGI function is served as is (the choice is a debug line)', async () => {
    const { url, p } = await start([fixture('tsgi-app.ts'), '--log-level', 'debug'])
    expect(p.stderr()).toMatch(
      /DEBUG serving \S+tsgi-app\.ts:default as a TSGI application \(a function\)/,
    )
    expect(await (await fetch(`${url}/t`)).json()).toEqual({ framework: 'tsgi', path: '/t' })
  })
})

describe('--interface forced', () => {
  test('--interface node and --interface fetch serve what they name', async () => {
    const node = await start([fixture('express-app.ts'), '--interface', 'node'])
    expect(node.p.stderr()).toMatch(/as a node listener, .* \(--interface node\)/)
    expect((await (await fetch(`${node.url}/who`)).json()) as object).toMatchObject({
      framework: 'express',
    })
    const hono = await start([fixture('hono-app.ts'), '--interface', 'fetch'])
    expect(hono.p.stderr()).toMatch(/as a fetch handler, .* \(--interface fetch\)/)
    expect((await (await fetch(`${hono.url}/who`)).json()) as object).toMatchObject({
      framework: 'hono',
    })
  })

  test.each([
    [
      'fetch',
      'tsgi-app.ts',
      /tsgi-app\.ts:default is not a fetch handler \(--interface fetch\): expected an object with a fetch\(request\) method .* got a function; for a bare \(request\) => Response function export \{ fetch: handler \}/,
    ],
    [
      'node',
      'hono-app.ts',
      /hono-app\.ts:default is not a node listener \(--interface node\): .*; it has a fetch method: use --interface fetch/,
    ],
    [
      'tsgi',
      'koa-app.ts',
      /koa-app\.ts:default is not a TSGI application \(--interface tsgi\): .*; it looks like a Koa app: use --interface node/,
    ],
    [
      'tsgi',
      'fetch-object.ts',
      /fetch-object\.ts:default is not a TSGI application \(--interface tsgi\): expected a function \(scope, receive, send\), got an object with fetch; it looks like an object with a fetch method: use --interface fetch/,
    ],
  ])('--interface %s on %s: exit 1 with a precise error', async (iface, file, message) => {
    const r = await tsgiRun([fixture(file), '--port', '0', '--interface', iface])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/running on/)
  })
})

describe('--interface with --workers and --reload (the app loads in the children)', () => {
  test('--workers 2 serves an Express app from each worker', async () => {
    const { url, p } = await start([fixture('express-app.ts'), '--workers', '2'])
    await p.waitFor(/\[worker \d+ pid \d+\] serving \S+ as a node listener/, 2)
    expect(await (await fetch(`${url}/who`)).json()).toMatchObject({ framework: 'express' })
    expect(await stop(p)).toBe(0)
  })

  test('--reload serves a hono app from its child', async () => {
    const { url, p } = await start([fixture('hono-app.ts'), '--reload'])
    expect(p.stderr()).toMatch(/serving \S+hono-app\.ts:default as a fetch handler/)
    expect(await (await fetch(`${url}/who`)).json()).toEqual({ framework: 'hono', path: '/who' })
    expect(await stop(p)).toBe(0)
  })
})

/**
 * `--interface`: the `auto` rules on plain objects shaped like each framework's app, the forced
 * checks, the flag's parsing, and the error when `@tsgi/adapters` is not installed (this package
 * does not depend on it). The end-to-end runs with real Express, Koa and hono apps are in
 * packages/adapters/test/cli-interface.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { parseCliArgs } from '../src/cli/index.ts'
import { checkInterface, detectInterface } from '../src/cli/interface.ts'
import { loadTarget } from '../src/cli/load.ts'
import { ServerErrorCode } from '../src/errors.ts'
import { tsgiRun } from './cli-process.ts'

const noop = () => {}
/** A function with Express 5's marks (`handle`, `set`, a `router`). */
const expressLike = Object.assign((_req: unknown, _res: unknown, _next: unknown) => {}, {
  handle: noop,
  set: noop,
  router: {},
})
/** Express 4 keeps `_router` (set once a route is added) and has `handle`. */
const express4Like = Object.assign((_req: unknown, _res: unknown, _next: unknown) => {}, {
  handle: noop,
  _router: {},
})
const connectLike = Object.assign((_req: unknown, _res: unknown) => {}, {
  handle: noop,
  use: noop,
  stack: [],
})
const koaLike = { callback: noop, use: noop, context: {}, listen: noop }
const honoLike = { fetch: noop, get: noop, route: noop }
const tsgiApp = async (_scope: unknown, _receive: unknown, _send: unknown) => {}

describe('detectInterface (auto)', () => {
  test.each([
    ['an object with fetch (hono)', honoLike, 'fetch', 'an object with a fetch method'],
    ['export default { fetch }', { fetch: noop }, 'fetch', 'an object with a fetch method'],
    [
      'a function with a fetch method',
      Object.assign(noop.bind(null), { fetch: noop }),
      'fetch',
      'an object with a fetch method',
    ],
    ['a Koa instance', koaLike, 'node', 'a Koa app'],
    ['an Express 5 app', expressLike, 'node', 'an Express app'],
    ['an Express 4 app', express4Like, 'node', 'an Express app'],
    ['a Connect app', connectLike, 'node', 'a Connect app'],
    ['a TSGI function of arity 3', tsgiApp, 'tsgi', 'a function'],
    [
      'koa.callback() (a bare function)',
      (_req: unknown, _res: unknown) => {},
      'tsgi',
      'a function',
    ],
  ])('%s', (_name, value, iface, reason) => {
    expect(detectInterface(value)).toEqual({ interface: iface, reason })
  })

  test.each([
    ['null', null],
    ['a number', 42],
    ['an object without fetch', { handle: noop }],
    ['an object whose fetch is not a function', { fetch: 'x' }],
    ['half a Koa (no context)', { callback: noop, use: noop }],
  ])('%s is not an application', (_name, value) => {
    expect(detectInterface(value)).toBeUndefined()
    expect(() => checkInterface(value, 'auto', '/a.ts:default')).toThrow(
      expect.objectContaining({
        code: ServerErrorCode.load,
        message: expect.stringMatching(
          /^\/a\.ts:default is not an application: expected a function/,
        ),
      }),
    )
  })

  test('arity does not decide: an Express-shaped function of arity 3 is a node listener', () => {
    expect(expressLike.length).toBe(tsgiApp.length)
    expect(detectInterface(expressLike)?.interface).toBe('node')
  })
})

describe('checkInterface (forced)', () => {
  const check = (value: unknown, iface: 'tsgi' | 'fetch' | 'node') =>
    checkInterface(value, iface, '/a.ts:app')

  test('a forced interface overrides the marks where the shape allows it', () => {
    expect(check(expressLike, 'tsgi')).toEqual({ interface: 'tsgi', reason: '--interface tsgi' })
    expect(check(tsgiApp, 'node')).toEqual({ interface: 'node', reason: '--interface node' })
    expect(check(koaLike, 'node')).toEqual({ interface: 'node', reason: '--interface node' })
    expect(check(honoLike, 'fetch')).toEqual({ interface: 'fetch', reason: '--interface fetch' })
  })

  test.each([
    [
      tsgiApp,
      'fetch',
      /^\/a\.ts:app is not a fetch handler \(--interface fetch\): .* got a function; for a bare \(request\) => Response function export \{ fetch: handler \}$/,
    ],
    [{ a: 1 }, 'fetch', /is not a fetch handler \(--interface fetch\): .* got an object with a$/],
    [
      honoLike,
      'node',
      /is not a node listener \(--interface node\): .* got an object with fetch, get, route; it has a fetch method: use --interface fetch$/,
    ],
    [
      koaLike,
      'tsgi',
      /is not a TSGI application \(--interface tsgi\): .*; it looks like a Koa app: use --interface node$/,
    ],
    [honoLike, 'tsgi', /; it looks like an object with a fetch method: use --interface fetch$/],
    [
      'x',
      'tsgi',
      /is not a TSGI application \(--interface tsgi\): expected a function \(scope, receive, send\), got string$/,
    ],
  ] as const)('%o as %s: TSGI_SERVER_ERR_LOAD', (value, iface, message) => {
    expect(() => check(value, iface)).toThrow(
      expect.objectContaining({
        code: ServerErrorCode.load,
        message: expect.stringMatching(message),
      }),
    )
  })
})

describe('--interface on the command line', () => {
  test('each value is taken; unset is left to auto', () => {
    for (const iface of ['auto', 'tsgi', 'fetch', 'node']) {
      const command = parseCliArgs(['app.ts', '--interface', iface])
      expect(command.kind === 'serve' && command.args.interface).toBe(iface)
    }
    const command = parseCliArgs(['app.ts'])
    expect(command.kind === 'serve' && command.args.interface).toBeUndefined()
  })

  test('a bad value is TSGI_SERVER_ERR_OPTION naming the flag', () => {
    expect(() => parseCliArgs(['app.ts', '--interface', 'express'])).toThrow(
      expect.objectContaining({
        code: ServerErrorCode.badOption,
        message: 'invalid option --interface: expected auto, tsgi, fetch or node, got "express"',
      }),
    )
  })
})

describe('@tsgi/adapters not installed', () => {
  // A module outside the workspace cannot resolve @tsgi/adapters.
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-interface-'))
  const fetchModule = join(dir, 'fetch-app.mjs')
  writeFileSync(fetchModule, 'export default { fetch: () => new Response("hi") }\n')
  const nodeModule = join(dir, 'node-app.mjs')
  writeFileSync(
    nodeModule,
    'const app = (req, res) => res.end("hi")\napp.handle = app\napp.set = () => app\nexport default app\n',
  )
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  // pnpm's bin shims put its whole store on NODE_PATH, where require() finds every workspace
  // package: the child runs without it, as `node tsgi` from an install without the adapters.
  // (In this process vitest's resolver finds the workspace package, hence no in-memory case.)
  const env = { NODE_PATH: '' }

  test.each([
    ['fetch handler', 'fetch', () => fetchModule],
    ['node listener', 'node', () => nodeModule],
  ])('a %s: the CLI exits 1 with one line telling to install it', async (kind, entry, file) => {
    const r = await tsgiRun([file(), '--port', '0'], { env })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(
        `^ERROR @tsgi/adapters/${entry} is needed to serve a ${kind} but is not installed \\(looked from ${file()}\\): npm install @tsgi/adapters\n$`,
      ),
    )
    expect(r.stderr).not.toMatch(/running on/)
  })

  test('a TSGI app needs no adapters', async () => {
    const tsgi = join(dir, 'tsgi-app.mjs')
    writeFileSync(tsgi, 'export default async () => {}\n')
    const loaded = await loadTarget(tsgi)
    expect(loaded.detection).toEqual({ interface: 'tsgi', reason: 'a function' })
    expect(loaded.what).toBe(`${tsgi}:default`)
  })
})

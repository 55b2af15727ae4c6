/**
 * The published testing kit, `@tsgi/framework/testing` (issue 12, item 5): it resolves through
 * the package's exports (import and require), its client drives an app in memory and over a
 * socket with one API, and the production entry never loads it nor the protocol's test client.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { TSGIError } from '@tsgi/protocol'
import { describe, expect, test } from 'vitest'
import { createApp } from '../src/index.ts'
import { loadServer } from '../src/testing/socket.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Runs an ES module script with node from the package root, on the sources. */
function node(script: string, type: 'module' | 'commonjs' = 'module') {
  return spawnSync(
    process.execPath,
    ['--conditions=@tsgi/source', `--input-type=${type}`, '-e', script],
    { cwd: root, encoding: 'utf8' },
  )
}

/** Records every module URL loaded after it, then runs `body`; prints what was loaded. */
const recording = (body: string) => `
import { registerHooks } from 'node:module'
const loaded = []
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context) } })
const out = {}
${body}
process.stdout.write(JSON.stringify(out))
`

const TESTING = /\/(?:protocol|framework)\/(?:src|dist)\/testing\//

/** A framework app, its routes and its lifespan. */
function makeApp() {
  const app = createApp<{ greeting?: string }>()
  app.onStartup((state) => {
    state.greeting = 'hello'
  })
  app.get('/greet', (req) => ({ greeting: req.state.greeting ?? null }))
  app.post('/echo', async (req) => ({
    got: await req.json(),
    type: req.headers.get('content-type'),
  }))
  return app
}

describe('@tsgi/framework/testing resolves through the exports', () => {
  test('import, by the package name', () => {
    const run = node(
      `const kit = await import('@tsgi/framework/testing'); process.stdout.write(Object.keys(kit).sort().join(','))`,
    )
    expect(run.stderr).toBe('')
    expect(run.stdout.split(',')).toEqual(
      expect.arrayContaining([
        'createDescribeBoth',
        'createTestClient',
        'openClient',
        'TRANSPORTS',
      ]),
    )
  })

  test('require, from CommonJS', () => {
    const run = node(
      `const kit = require('@tsgi/framework/testing'); process.stdout.write(typeof kit.openClient)`,
      'commonjs',
    )
    expect(run.stderr).not.toMatch(/Error/)
    expect(run.stdout).toBe('function')
  })
})

describe('the production entry does not load the testing code', () => {
  test('serving a request over a socket loads no testing module; app.request() then does', () => {
    const run = node(
      recording(`
const { createApp } = await import('@tsgi/framework')
const { serve } = await import('@tsgi/server')
const app = createApp()
app.get('/', () => ({ ok: true }))
const server = await serve(app, { port: 0, host: '127.0.0.1', accessLog: false, logLevel: 'error' })
out.socket = await (await fetch(server.url + '/')).json()
await server.close()
out.production = [...loaded]
out.memory = (await app.request('/')).json()
out.afterRequest = [...loaded]
`),
    )
    expect(run.stderr).toBe('')
    const out = JSON.parse(run.stdout) as Record<string, unknown>
    expect(out.socket).toEqual({ ok: true })
    const production = out.production as string[]
    // The recorder saw the framework itself: its silence about testing modules means something.
    expect(production.some((url) => url.endsWith('/framework/src/app.ts'))).toBe(true)
    expect(production.filter((url) => TESTING.test(url))).toEqual([])
    // The deferred client loads the protocol's test client on its first use, and works.
    expect(out.memory).toEqual({ ok: true })
    expect((out.afterRequest as string[]).some((url) => TESTING.test(url))).toBe(true)
  })
})

describe('openClient', () => {
  test.each(['memory', 'socket'] as const)(
    '%s: lifespan, JSON bodies, headers, close',
    async (transport) => {
      const { openClient } = await import('@tsgi/framework/testing')
      const client = await openClient(makeApp(), transport)
      expect(client.transport).toBe(transport)
      expect(client.url).toMatch(/^http:\/\//)
      const greet = await client.request('/greet')
      expect(greet.json()).toEqual({ greeting: 'hello' })
      expect(greet.header('Content-Type')).toMatch(/^application\/json/)
      const echo = await client.request('/echo', { method: 'POST', json: { a: [1] } })
      expect(echo.json()).toEqual({ got: { a: [1] }, type: 'application/json' })
      const typed = await client.request('/echo', {
        method: 'POST',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        json: {},
      })
      expect(typed.json()).toEqual({ got: {}, type: 'application/merge-patch+json' })
      const missing = await client.request('/nowhere')
      expect(missing.status).toBe(404)
      expect(missing.headers.every(([name]) => name === name.toLowerCase())).toBe(true)
      await client.close()
      if (transport === 'socket')
        await expect(fetch(`${client.url}/greet`)).rejects.toThrow(/fetch failed/)
    },
  )

  test('an unknown transport is a TypeError', async () => {
    const { openClient } = await import('@tsgi/framework/testing')
    await expect(openClient(makeApp(), 'carrier-pigeon' as 'memory')).rejects.toThrow(TypeError)
  })
})

describe('createDescribeBoth', () => {
  test('declares one group per transport, opening and closing the app around it', async () => {
    const { createDescribeBoth } = await import('@tsgi/framework/testing')
    const titles: string[] = []
    const before: Array<() => Promise<void>> = []
    const after: Array<() => Promise<void>> = []
    const clients: Array<() => { transport: string }> = []
    const describeBoth = createDescribeBoth({
      describe: (title, body) => {
        titles.push(title)
        body()
      },
      beforeAll: (hook) => before.push(hook),
      afterAll: (hook) => after.push(hook),
    })
    describeBoth('kit', makeApp, (client) => clients.push(client))
    expect(titles).toEqual(['kit (memory)', 'kit (socket)'])
    expect(() => clients[0]!()).toThrow('the memory client is not open yet')
    for (const [i, hook] of before.entries()) {
      await hook()
      expect(clients[i]!().transport).toBe(i === 0 ? 'memory' : 'socket')
    }
    for (const hook of after) await hook()
  })
})

describe('the socket transport without @tsgi/server', () => {
  test('a precise error with a stable code', async () => {
    const absent = Object.assign(new Error("Cannot find package '@tsgi/server'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    const failure = await loadServer(() => Promise.reject(absent)).catch((e: unknown) => e)
    expect(failure).toMatchObject({
      code: 'TSGI_FW_ERR_TESTING_SERVER_MISSING',
      message: expect.stringContaining('npm install -D @tsgi/server'),
      cause: absent,
    })
    expect(failure).toBeInstanceOf(TSGIError)
  })

  test('another failure to load it is not disguised', async () => {
    const broken = new SyntaxError('Unexpected token')
    await expect(loadServer(() => Promise.reject(broken))).rejects.toBe(broken)
  })
})

describe('app.testClient() and app.request(), loaded on first use', () => {
  test('startup, requests, streams and shutdown go through the real client', async () => {
    const app = makeApp()
    const client = app.testClient()
    expect(client.lifespanSupported).toBeUndefined()
    await client.startup()
    expect(client.lifespanSupported).toBe(true)
    expect((await client.request('/greet')).json()).toEqual({ greeting: 'hello' })
    const streamed = await client.stream('/greet')
    expect(streamed.status).toBe(200)
    await client.shutdown()
    expect((await app.request('/nowhere')).status).toBe(404)
  })

  test('disposing a client never used loads nothing and resolves', async () => {
    await expect(makeApp().testClient()[Symbol.asyncDispose]()).resolves.toBeUndefined()
  })
})

/**
 * Mocha `--require` preload for Express's own test suite (run by `express-suite.ts`, inside the
 * Express checkout's test process only). It replaces the checkout's `supertest` module so that
 * `request(app)` and `request.agent(app)` given a function get
 * `createRequestListener(fromNodeListener(app))`: every request of the suite then goes
 * node:http → TSGI server exchange → `fromNodeListener` → a fresh `IncomingMessage` /
 * `ServerResponse` pair → the Express app, and back.
 *
 * Counts are written to `TSGI_EXPRESS_STATS` at exit, so the runner can prove the wrapping
 * happened (a suite that passes because nothing was wrapped proves nothing).
 */
import { writeFileSync } from 'node:fs'
import type { RequestListener as NodeRequestListener } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createRequestListener } from '@tsgi/server'
import { fromNodeListener, type NodeListener } from '../../src/node/index.ts'

type Supertest = ((app: unknown, options?: object) => unknown) & {
  agent: (app: unknown, options?: object) => unknown
  Test: unknown
}

const dir = process.env.EXPRESS_DIR
if (dir === undefined) throw new Error('express-preload: EXPRESS_DIR is not set')

const requireHere = createRequire(join(dir, 'package.json'))
const path = requireHere.resolve('supertest')
const real = requireHere('supertest') as Supertest
const stats = { wrapped: 0, passedThrough: 0 }

function roundTrip(app: unknown): unknown {
  if (typeof app !== 'function') {
    // An http.Server the test built itself (res.sendFile's abort tests): left as it is.
    stats.passedThrough++
    return app
  }
  stats.wrapped++
  const listener: NodeRequestListener = createRequestListener(fromNodeListener(app as NodeListener))
  return listener
}

const wrapped = Object.assign((app: unknown, options?: object) => real(roundTrip(app), options), {
  agent: (app: unknown, options?: object) => real.agent(roundTrip(app), options),
  Test: real.Test,
})

const cached = requireHere.cache[path]
if (cached === undefined) throw new Error(`express-preload: ${path} is not in require.cache`)
cached.exports = wrapped

const out = process.env.TSGI_EXPRESS_STATS
if (out !== undefined) process.on('exit', () => writeFileSync(out, JSON.stringify(stats)))

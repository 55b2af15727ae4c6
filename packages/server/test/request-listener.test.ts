/** The Node adapter: a TSGI app inside a plain node:http server and mounted under Express. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { createRequestListener } from '../src/index.ts'
import { recordingLogger, scopeEcho, text } from './helpers.ts'

let server: Server | undefined
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r))
  server = undefined
})

async function listen(s: Server): Promise<string> {
  server = s
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}

type EchoedScope = { path: string; rawPath: string; rootPath: string; body: string; method: string }

describe('createRequestListener', () => {
  test('in a plain node:http server: the same scope and body handling as the server', async () => {
    const url = await listen(createServer(createRequestListener(scopeEcho)))
    const res = await request(`${url}/a%20b?x=1`, { method: 'POST', body: 'hello' })
    const scope = (await res.body.json()) as EchoedScope
    expect(res.statusCode).toBe(200)
    expect(scope).toMatchObject({ path: '/a b', rawPath: '/a%20b', rootPath: '', body: 'hello' })
    expect(res.headers.server).toBe('tsgi')
  })

  test('rootPath option is prefixed like the server does', async () => {
    const url = await listen(createServer(createRequestListener(scopeEcho, { rootPath: '/api' })))
    const scope = (await (await request(`${url}/x`)).body.json()) as EchoedScope
    expect(scope).toMatchObject({ path: '/api/x', rootPath: '/api' })
  })

  test('under Express: the mount path becomes rootPath; other routes stay Express’s', async () => {
    const app = express()
    app.get('/plain', (_req, res) => {
      res.send('express')
    })
    app.use('/tsgi', createRequestListener(scopeEcho))
    const url = await listen(createServer(app))
    const scope = (await (await request(`${url}/tsgi/items/1?q=2`)).body.json()) as EchoedScope
    expect(scope).toMatchObject({
      path: '/tsgi/items/1',
      rootPath: '/tsgi',
      rawPath: '/tsgi/items/1',
    })
    expect(await (await request(`${url}/plain`)).body.text()).toBe('express')
  })

  test('an app failure is a 500 and logged; the listener keeps serving', async () => {
    const logger = recordingLogger()
    let calls = 0
    const listener = createRequestListener(
      async (scope, _r, send) => {
        if (scope.type !== 'http') return
        if (calls++ === 0) throw new Error('boom')
        const body = text('fine')
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', body })
      },
      { logger },
    )
    const url = await listen(createServer(listener))
    expect((await request(`${url}/`)).statusCode).toBe(500)
    expect(await (await request(`${url}/`)).body.text()).toBe('fine')
    expect(logger.of('error').join('\n')).toMatch(/exception in application: GET \//)
    // Access logging is off unless asked for.
    expect(logger.of('access')).toEqual([])
  })
})

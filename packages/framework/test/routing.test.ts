import { expect, test } from 'vitest'
import { createApp, Router } from '../src/index.ts'
import { describeBoth } from './both.ts'

function makeApp() {
  const app = createApp()
  app.get('/', () => ({ root: true }))
  app.get('/users/new', () => 'static new')
  app.get('/users/:id', (req) => `param ${req.params.id}`)
  app.get('/users/:id/edit', (req) => `edit ${req.params.id}`)
  app.get('/files/*rest', (req) => `rest ${req.params.rest}`)
  app.on(['GET', 'POST', 'PURGE'], '/multi', (req) => `multi ${req.method}`)
  const api = new Router({ prefix: '/api' })
  api.get('/ping', () => 'pong')
  app.include(api)
  return app
}

describeBoth('routing', makeApp, (client) => {
  test('static beats param beats wildcard, with backtracking', async () => {
    expect((await client().request('/users/new')).text()).toBe('static new')
    expect((await client().request('/users/42')).text()).toBe('param 42')
    expect((await client().request('/users/new/edit')).text()).toBe('edit new')
    expect((await client().request('/files/a/b/c')).text()).toBe('rest a/b/c')
    expect((await client().request('/files')).text()).toBe('rest ')
  })

  test('params are percent-decoded; an encoded slash stays inside the param', async () => {
    expect((await client().request('/users/a%20b')).text()).toBe('param a b')
    expect((await client().request('/users/a%2Fb')).text()).toBe('param a/b')
    expect((await client().request('/users/caf%C3%A9')).text()).toBe('param café')
  })

  test('any method token; 405 with Allow; automatic OPTIONS and HEAD', async () => {
    expect((await client().request('/multi', { method: 'PURGE' })).text()).toBe('multi PURGE')
    const denied = await client().request('/multi', { method: 'DELETE' })
    expect(denied.status).toBe(405)
    expect(denied.header('allow')).toBe('GET, HEAD, POST, OPTIONS, PURGE')
    expect(denied.header('content-type')).toBe('application/problem+json')
    const options = await client().request('/users/1', { method: 'OPTIONS' })
    expect([options.status, options.header('allow')]).toEqual([204, 'GET, HEAD, OPTIONS'])
    const head = await client().request('/users/1', { method: 'HEAD' })
    expect([head.status, head.body.byteLength, head.header('content-length')]).toEqual([
      200,
      0,
      '7',
    ])
  })

  test('trailing and repeated slashes redirect (308) to the canonical path, keeping the query', async () => {
    const res = await client().request('/users//42/?x=1')
    expect(res.status).toBe(308)
    expect(res.header('location')).toBe('/users/42?x=1')
    expect((await client().request('/nothing/here/')).status).toBe(404)
  })

  test('groups carry their prefix; unknown paths are 404 problem+json', async () => {
    expect((await client().request('/api/ping')).text()).toBe('pong')
    const missing = await client().request('/api/nope')
    expect(missing.status).toBe(404)
    expect(missing.json()).toMatchObject({
      status: 404,
      title: 'Not Found',
      code: 'TSGI_FW_ERR_ROUTE_NOT_FOUND',
    })
  })
})

/** The hono sub-app mounted at /hono, through the `tsgi` binary over a real socket. */
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Demo, startDemo } from './demo-process.ts'

let demo: Demo
beforeAll(async () => {
  demo = await startDemo({ REDIS_URL: '' })
})
afterAll(async () => {
  expect(await demo.stop()).toBe(0)
})

describe('the hono sub-app at /hono', () => {
  test('GET /hono/hello is hono JSON; the query reaches it', async () => {
    const res = await request(`${demo.url}/hono/hello?name=tsgi`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(await res.body.json()).toEqual({ hello: 'tsgi', from: 'hono' })
  })

  test('GET /hono/hello/:name: hono params under the mount', async () => {
    const res = await request(`${demo.url}/hono/hello/ada`)
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('hello ada from hono\n')
  })

  test('a 404 below the mount is hono’s; outside it, the framework’s problem+json', async () => {
    const inside = await request(`${demo.url}/hono/nope`)
    expect([inside.statusCode, await inside.body.text()]).toEqual([404, '404 Not Found'])
    const outside = await request(`${demo.url}/honox`)
    expect(outside.statusCode).toBe(404)
    expect(outside.headers['content-type']).toBe('application/problem+json')
    await outside.body.dump()
  })

  test('the route table lists the mount', async () => {
    const res = await request(`${demo.url}/`)
    const { routes } = (await res.body.json()) as { routes: string[] }
    expect(routes).toContain('MOUNT   /hono')
  })
})

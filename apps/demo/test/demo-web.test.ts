/** The demo's web `Response` route, and HEAD of its streamed route, through the `tsgi` binary. */
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

describe('a route returning a web Response', () => {
  test('GET /web keeps its status, headers and body; the whole body has a length', async () => {
    const res = await request(`${demo.url}/web`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(res.headers['x-made-with']).toBe('fetch')
    expect(res.headers['content-length']).toBe('24')
    expect(await res.body.text()).toBe('made with the Fetch API\n')
  })

  test('HEAD /web has its headers and no body', async () => {
    const res = await request(`${demo.url}/web`, { method: 'HEAD' })
    expect([res.statusCode, res.headers['x-made-with'], await res.body.text()]).toEqual([
      200,
      'fetch',
      '',
    ])
  })
})

describe('HEAD of the streamed route', () => {
  test('curl -I /stream claims no length (GET is chunked)', async () => {
    const head = await request(`${demo.url}/stream`, { method: 'HEAD' })
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-length']).toBeUndefined()
    await head.body.dump()
    const get = await request(`${demo.url}/stream`)
    expect(get.headers['transfer-encoding']).toBe('chunked')
    await get.body.dump()
  })
})

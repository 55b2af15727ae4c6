/**
 * fromFetch(h3App): h3 2's `app.fetch` as a TSGI application — params and query, a JSON body,
 * cookies, a thrown HTTPError, an event stream, 404 — each in memory and over a real socket,
 * and checkApp.
 */
import { checkApp } from '@tsgi/protocol/conformance'
import { createEventStream, getQuery, getRouterParam, H3, HTTPError, readBody, setCookie } from 'h3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fromFetch } from '../src/fetch/index.ts'
import { memory, type Transport, values, wire } from './node-helpers.ts'

function h3App(): H3 {
  const app = new H3()
  app.get('/users/:id', (event) => ({
    id: getRouterParam(event, 'id'),
    q: getQuery(event).q ?? null,
  }))
  app.post('/echo', async (event) => ({ got: await readBody(event) }))
  app.get('/cookies', (event) => {
    setCookie(event, 'a', '1')
    setCookie(event, 'b', '2', { httpOnly: true })
    return 'ok'
  })
  app.get('/teapot', () => {
    throw new HTTPError({ status: 418, message: 'short and stout' })
  })
  app.get('/events', (event) => {
    const stream = createEventStream(event)
    queueMicrotask(async () => {
      for (let i = 0; i < 3; i++) await stream.push(`tick ${i}`)
      await stream.close()
    })
    return stream.send()
  })
  return app
}

const app = fromFetch(h3App())

describe.each(['memory', 'wire'])('an h3 app (%s)', (kind) => {
  let t: Transport
  beforeAll(async () => {
    t = kind === 'memory' ? memory(app) : await wire(app)
  })
  afterAll(() => t.close())

  test('route params and the query', async () => {
    const got = await t.hit({ path: '/users/7?q=x%20y' })
    expect(got.status).toBe(200)
    expect(JSON.parse(got.text)).toEqual({ id: '7', q: 'x y' })
  })

  test('readBody parses a JSON request body', async () => {
    const got = await t.hit({
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body: '{"n":[1,2]}',
    })
    expect(JSON.parse(got.text)).toEqual({ got: { n: [1, 2] } })
  })

  test('each set-cookie stays a field of its own', async () => {
    const got = await t.hit({ path: '/cookies' })
    expect(values(got, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly'])
  })

  test('a thrown HTTPError keeps its status', async () => {
    const got = await t.hit({ path: '/teapot' })
    expect(got.status).toBe(418)
    expect(JSON.parse(got.text)).toMatchObject({ status: 418, message: 'short and stout' })
  })

  test('an event stream arrives whole, in order', async () => {
    const got = await t.hit({ path: '/events' })
    expect(values(got, 'content-type')[0]).toMatch(/^text\/event-stream/)
    expect(got.text.match(/data: tick \d/g)).toEqual([
      'data: tick 0',
      'data: tick 1',
      'data: tick 2',
    ])
  })

  test("an unknown path is h3's 404", async () => {
    const got = await t.hit({ path: '/nowhere' })
    expect(got.status).toBe(404)
  })
})

test('checkApp passes for fromFetch(h3App)', async () => {
  const report = await checkApp(app, {
    settleMs: 2000,
    requests: [
      { path: '/users/1' },
      {
        method: 'POST',
        path: '/echo',
        headers: [['content-type', 'application/json']],
        body: '{}',
      },
      { path: '/events' },
      { path: '/teapot' },
    ],
  })
  expect(report.violations).toEqual([])
})

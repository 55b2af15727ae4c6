/** Every behaviour the demo promises, over a real socket, through the `tsgi` binary. */
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Demo, startDemo, until } from './demo-process.ts'

let demo: Demo
beforeAll(async () => {
  demo = await startDemo({ REDIS_URL: '' })
})
afterAll(async () => {
  expect(await demo.stop()).toBe(0)
})

const json = { 'content-type': 'application/json' }

describe('the demo', () => {
  test('GET / is JSON; HEAD / has no body; POST / is 405 with Allow', async () => {
    const get = await request(`${demo.url}/`)
    expect(get.statusCode).toBe(200)
    expect(get.headers['content-type']).toBe('application/json')
    expect(await get.body.json()).toMatchObject({ name: 'tsgi demo' })
    const head = await request(`${demo.url}/`, { method: 'HEAD' })
    expect(head.statusCode).toBe(200)
    expect(await head.body.text()).toBe('')
    const post = await request(`${demo.url}/`, { method: 'POST' })
    expect(post.statusCode).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS')
    await post.body.dump()
  })

  test('GET /home runs a background job; middlewares log in onion order', async () => {
    const res = await request(`${demo.url}/home`)
    expect(res.statusCode).toBe(200)
    const { greetingJob } = (await res.body.json()) as { greetingJob: string }
    expect(greetingJob).toBeTruthy()
    // The job runs at once on the memory queue; the deadline is generous for a loaded machine.
    await until(() => demo.output().includes('job greet: someone visited /home'))
    const lines = demo.output().split('\n')
    const at = lines.indexOf('outer> GET /home')
    expect(lines.slice(at, at + 6).filter((l) => /^(outer|inner)[<>]/.test(l))).toEqual([
      'outer> GET /home',
      'inner> GET /home',
      'inner< 200',
      'outer< 200',
    ])
  })

  test('GET /about: 500 problem+json without internals; the stack goes to the log', async () => {
    const res = await request(`${demo.url}/about`)
    expect(res.statusCode).toBe(500)
    expect(res.headers['content-type']).toBe('application/problem+json')
    const text = await res.body.text()
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal Server Error' })
    expect(text).not.toContain('under construction')
    expect(text).not.toContain('app.ts')
    await until(() => /under construction[\s\S]*at .*app\.ts/.test(demo.output()))
  })

  test('/about/careers: query, JSON and streamed byte count', async () => {
    const get = await request(`${demo.url}/about/careers?tag=a&tag=b&q=x+y`)
    expect(await get.body.json()).toEqual({
      query: { tag: ['a', 'b'], q: 'x y' },
      json: null,
      bytes: 0,
    })
    const body = JSON.stringify({ role: 'engineer', years: [1, 2] })
    const post = await request(`${demo.url}/about/careers?x=1`, {
      method: 'POST',
      headers: json,
      body,
    })
    expect(await post.body.json()).toEqual({
      query: { x: '1' },
      json: { role: 'engineer', years: [1, 2] },
      bytes: Buffer.byteLength(body),
    })
    const empty = await request(`${demo.url}/about/careers`, { method: 'POST', headers: json })
    expect(await empty.body.json()).toEqual({ query: {}, json: null, bytes: 0 })
  })

  test('/about/careers: invalid JSON → 400, over 1 MiB → 413, OPTIONS and PUT', async () => {
    const bad = await request(`${demo.url}/about/careers`, {
      method: 'POST',
      headers: json,
      body: '{nope',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toBe('application/problem+json')
    await bad.body.dump()
    const big = await request(`${demo.url}/about/careers`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(1024 * 1024 + 1),
    })
    expect(big.statusCode).toBe(413)
    await big.body.dump()
    const options = await request(`${demo.url}/about/careers`, { method: 'OPTIONS' })
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS')
    await options.body.dump()
    const put = await request(`${demo.url}/about/careers`, { method: 'PUT' })
    expect(put.statusCode).toBe(405)
    await put.body.dump()
  })

  test('/users: typed params and a validated body', async () => {
    expect(await (await request(`${demo.url}/users/42`)).body.json()).toEqual({ id: 42 })
    const notInt = await request(`${demo.url}/users/4.5`)
    expect([400, 422]).toContain(notInt.statusCode)
    const problem = (await notInt.body.json()) as { errors: Array<{ path: string }> }
    expect(problem.errors.map((e) => e.path)).toContain('params.id')
    const created = await request(`${demo.url}/users`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'Ada', age: 36 }),
    })
    expect(created.statusCode).toBe(201)
    expect(created.headers.location).toMatch(/^\/users\/\d+$/)
    await created.body.dump()
    const invalid = await request(`${demo.url}/users`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: '', age: -1 }),
    })
    expect(invalid.statusCode).toBe(422)
    const errors = ((await invalid.body.json()) as { errors: Array<{ path: string }> }).errors
    expect(errors.map((e) => e.path).sort()).toEqual(['body.age', 'body.name'])
  })

  test('POST /jobs retries with backoff; GET /jobs/:id reports state and attempts; unknown → 404', async () => {
    const res = await request(`${demo.url}/jobs`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'flaky', fail: 2 }),
    })
    expect(res.statusCode).toBe(202)
    const { id } = (await res.body.json()) as { id: string }
    let status: { state: string; attempts: number } = { state: '', attempts: 0 }
    await until(async () => {
      status = (await (await request(`${demo.url}/jobs/${id}`)).body.json()) as typeof status
      return status.state === 'completed'
    })
    expect(status).toMatchObject({ state: 'completed', attempts: 3 })
    expect(demo.output()).toMatch(/flaky: attempt 1 fails on purpose; retrying in \d+ ms/)
    const missing = await request(`${demo.url}/jobs/nope`)
    expect(missing.statusCode).toBe(404)
    await missing.body.dump()
  })

  test('GET /stream arrives in several chunks; GET /events stops when the client goes', async () => {
    const res = await request(`${demo.url}/stream`)
    let chunks = 0
    let text = ''
    for await (const chunk of res.body) {
      chunks++
      text += chunk.toString()
    }
    expect(chunks).toBeGreaterThan(1)
    expect(text).toBe('chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n')
    const controller = new AbortController()
    const events = await request(`${demo.url}/events`, { signal: controller.signal })
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/)
    const reader = events.body[Symbol.asyncIterator]()
    const first = await reader.next()
    expect(String(first.value)).toMatch(/^event: tick\nid: 1\n/)
    controller.abort()
    await until(
      () => /"GET \/events HTTP\/1\.1" 200 .*client disconnected/.test(demo.output()),
      5000,
    )
  })

  test('an unknown path → 404 problem+json', async () => {
    const res = await request(`${demo.url}/nope`)
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toBe('application/problem+json')
    await res.body.dump()
  })
})

import { describe, expect, test } from 'vitest'
import { createTestClient } from '../testing/index.ts'
import { app } from './app.ts'

describe('the example application', () => {
  test('lifespan fills state, used by the hello route', async () => {
    await using client = createTestClient(app)
    const state = await client.startup()
    expect(state.greeting).toBe('Hello')
    expect(typeof state.startedAt).toBe('string')
    const res = await client.request('/')
    expect(res.status).toBe(200)
    expect(res.header('content-type')).toBe('text/plain; charset=utf-8')
    expect(res.text()).toBe('Hello, world!\n')
    expect((await client.request('/', { method: 'HEAD' })).body.byteLength).toBe(0)
  })

  test('echo streams the body back chunk by chunk', async () => {
    const client = createTestClient(app, { rootPath: '/mnt' })
    const res = await client.stream('/echo', {
      method: 'POST',
      body: ['one ', 'two'],
      headers: { 'content-type': 'text/x' },
    })
    expect(res.header('content-type')).toBe('text/x')
    const chunks: string[] = []
    for await (const c of res) chunks.push(new TextDecoder().decode(c))
    expect(chunks).toEqual(['one ', 'two'])
    await res.done()
  })

  test('echo stops when the client leaves', async () => {
    async function* slow() {
      yield 'a'
      await new Promise(() => {})
    }
    const res = await createTestClient(app).stream('/echo', { method: 'POST', body: slow() })
    expect(new TextDecoder().decode((await res.read()) ?? new Uint8Array())).toBe('a')
    res.disconnect()
    await res.done()
  })

  test('unknown routes are 404 and websocket messages are echoed', async () => {
    const client = createTestClient(app)
    expect((await client.request('/missing')).status).toBe(404)
    expect((await client.request('/echo')).status).toBe(404)
    const ws = await client.websocket('/')
    ws.send('hi')
    ws.send(new Uint8Array([1, 2]))
    expect(await ws.receive()).toBe('hi')
    expect(await ws.receive()).toEqual(new Uint8Array([1, 2]))
    ws.close()
    await ws.done()
  })

  test('an unknown scope type is rejected', async () => {
    await expect(
      app(
        { type: 'other' } as never,
        async () => ({ type: 'http.disconnect' }),
        async () => {},
      ),
    ).rejects.toMatchObject({
      code: 'TSGI_PROTOCOL_ERR_UNSUPPORTED_SCOPE',
    })
  })
})

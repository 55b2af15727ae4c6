import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Application, HTTPIncomingEvent, HTTPScope, Receive, Send } from '../index.ts'
import { ClientDisconnectedError } from '../index.ts'
import { createTestClient } from './index.ts'

const utf8 = new TextEncoder()
const bytes = (s: string) => utf8.encode(s)

/** An app that answers `text` with a content-length. */
const textApp =
  (text: string, status = 200): Application =>
  async (_scope, _receive, send) => {
    await send({
      type: 'http.response.start',
      status,
      headers: [['content-length', String(bytes(text).byteLength)]],
    })
    await send({ type: 'http.response.body', body: bytes(text) })
  }

/** An app that records its scope and received events, then answers 200 ok. */
function recorder() {
  const seen: { scope?: HTTPScope; events: HTTPIncomingEvent[] } = { events: [] }
  const app: Application = async (scope, receive, send) => {
    seen.scope = scope as HTTPScope
    for (;;) {
      const event = (await receive()) as HTTPIncomingEvent
      seen.events.push(event)
      if (event.type !== 'http.request' || !event.moreBody) break
    }
    await send({ type: 'http.response.start', status: 200 })
    await send({ type: 'http.response.body', body: bytes('ok') })
  }
  return { app, seen }
}

describe('responses', () => {
  test('status, headers and body are read back', async () => {
    const res = await createTestClient(textApp('{"a":1}', 201)).request('/')
    expect(res.status).toBe(201)
    expect(res.header('Content-Length')).toBe('7')
    expect(res.text()).toBe('{"a":1}')
    expect(res.json()).toEqual({ a: 1 })
    expect(res.truncated).toBe(false)
    expect(res.events.map((e) => e.type)).toEqual(['http.response.start', 'http.response.body'])
  })

  test('a body in several chunks is concatenated; headerValues keeps duplicates', async () => {
    const app: Application = async (_s, _r, send) => {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ],
      })
      await send({ type: 'http.response.body', body: bytes('ab'), moreBody: true })
      await send({ type: 'http.response.body', moreBody: true })
      await send({ type: 'http.response.body', body: bytes('c') })
    }
    const res = await createTestClient(app).request('/')
    expect(res.text()).toBe('abc')
    expect(res.headerValues('set-cookie')).toEqual(['a=1', 'b=2'])
  })

  test('HEAD, 204 and 304 drop body bytes; HEAD keeps the declared length', async () => {
    const client = createTestClient(textApp('hello'))
    const head = await client.request('/', { method: 'head' })
    expect(head.status).toBe(200)
    expect(head.body.byteLength).toBe(0)
    expect(head.header('content-length')).toBe('5')
    for (const status of [204, 304]) {
      const app: Application = async (_s, _r, send) => {
        await send({ type: 'http.response.start', status })
        await send({ type: 'http.response.body', body: bytes('dropped') })
      }
      expect((await createTestClient(app).request('/')).body.byteLength).toBe(0)
    }
  })

  test('trailers are collected after the final body', async () => {
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200, trailers: true })
      await send({ type: 'http.response.body', body: bytes('x') })
      await send({
        type: 'http.response.trailers',
        headers: [['x-checksum', '1']],
        moreTrailers: true,
      })
      await send({ type: 'http.response.trailers', headers: [['x-more', '2']] })
    }
    const res = await createTestClient(app).request('/')
    expect(res.trailers).toEqual([
      ['x-checksum', '1'],
      ['x-more', '2'],
    ])
  })

  test('pathsend sends the file; a missing file rejects the send', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsgi-'))
    const file = join(dir, 'f.txt')
    await writeFile(file, 'file contents')
    const app =
      (path: string): Application =>
      async (_s, _r, send) => {
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.pathsend', path })
      }
    expect((await createTestClient(app(file)).request('/')).text()).toBe('file contents')
    await expect(createTestClient(app(join(dir, 'missing'))).request('/')).rejects.toMatchObject({
      code: 'ENOENT',
    })
    const head = await createTestClient(app(file)).request('/', { method: 'HEAD' })
    expect(head.body.byteLength).toBe(0)
  })

  test('extensions that are not offered are refused', async () => {
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.pathsend', path: '/etc/hostname' })
    }
    await expect(createTestClient(app, { extensions: {} }).request('/')).rejects.toThrow(
      'http.response.pathsend: type requires the http.response.pathsend extension',
    )
  })
})

describe('scope', () => {
  test('fields are built from the request', async () => {
    const { app, seen } = recorder()
    const client = createTestClient(app, { rootPath: '/app' })
    await client.request('/a%20b/c%2Fd?x=%20&y', {
      method: 'post',
      query: { z: ['1', 2], w: 'a b' },
      headers: [
        ['X-Dup', '1'],
        ['x-dup', '2'],
      ],
      httpVersion: '1.0',
    })
    const scope = seen.scope!
    expect(scope).toMatchObject({
      type: 'http',
      tsgi: { version: '1.0', specVersion: '1.0' },
      httpVersion: '1.0',
      method: 'POST',
      scheme: 'http',
      path: '/app/a b/c/d',
      rawPath: '/app/a%20b/c%2Fd',
      queryString: 'x=%20&y&z=1&z=2&w=a+b',
      rootPath: '/app',
      client: { host: '127.0.0.1', port: 50000 },
      server: { host: 'testserver', port: 80 },
      state: {},
    })
    expect(scope.headers).toEqual([
      ['host', 'testserver'],
      ['x-dup', '1'],
      ['x-dup', '2'],
    ])
    expect(Object.keys(scope.extensions)).toEqual([
      'http.response.trailers',
      'http.response.pathsend',
      'websocket.http.response',
    ])
  })

  test('unescaped characters in the target are escaped in rawPath and decoded in path', async () => {
    const { app, seen } = recorder()
    await createTestClient(app).request('café x', { query: '?q=1' })
    expect(seen.scope?.rawPath).toBe('/caf%C3%A9%20x')
    expect(seen.scope?.path).toBe('/café x')
    expect(seen.scope?.queryString).toBe('q=1')
  })

  test('options override scheme, client and server', async () => {
    const { app, seen } = recorder()
    const client = createTestClient(app, {
      scheme: 'https',
      client: null,
      server: { host: '/tmp/s.sock', port: null },
      headers: {},
    })
    await client.request({ path: '/', client: { host: '10.0.0.1', port: 1 } })
    expect(seen.scope).toMatchObject({
      scheme: 'https',
      client: { host: '10.0.0.1', port: 1 },
      server: { host: '/tmp/s.sock', port: null },
      headers: [],
    })
    await client.request('/')
    expect(seen.scope?.client).toBeNull()
  })
})

describe('request bodies', () => {
  test('no body: a single empty http.request', async () => {
    const { app, seen } = recorder()
    await createTestClient(app).request('/')
    expect(seen.events).toEqual([
      { type: 'http.request', body: new Uint8Array(0), moreBody: false },
    ])
    expect(seen.scope?.headers.some(([n]) => n === 'content-length')).toBe(false)
  })

  test('a string body is one chunk with a content-length', async () => {
    const { app, seen } = recorder()
    await createTestClient(app).request('/', { method: 'POST', body: 'héllo' })
    expect(seen.events).toEqual([{ type: 'http.request', body: bytes('héllo'), moreBody: false }])
    expect(seen.scope?.headers).toContainEqual(['content-length', '6'])
  })

  test('async chunks arrive as produced, then an empty final chunk', async () => {
    const { app, seen } = recorder()
    async function* chunks() {
      yield 'a'
      yield bytes('b')
      yield ''
      yield 'c'
    }
    await createTestClient(app).request('/', { method: 'POST', body: chunks() })
    expect(
      seen.events.map((e) =>
        e.type === 'http.request' ? [new TextDecoder().decode(e.body), e.moreBody] : e.type,
      ),
    ).toEqual([
      ['a', true],
      ['b', true],
      ['', true],
      ['c', true],
      ['', false],
    ])
    expect(seen.scope?.headers).toContainEqual(['transfer-encoding', 'chunked'])
  })

  test('synchronous chunks: the last one carries moreBody false', async () => {
    const { app, seen } = recorder()
    await createTestClient(app).request('/', { method: 'POST', body: ['a', 'b'] })
    expect(seen.events.map((e) => (e.type === 'http.request' ? e.moreBody : e.type))).toEqual([
      true,
      false,
    ])
  })

  test('an empty chunk list still ends the body', async () => {
    const { app, seen } = recorder()
    await createTestClient(app).request('/', { method: 'POST', body: [] })
    expect(seen.events).toEqual([
      { type: 'http.request', body: new Uint8Array(0), moreBody: false },
    ])
  })

  test('json sets the body and the content-type', async () => {
    const { app, seen } = recorder()
    await createTestClient(app).request('/', { method: 'POST', json: { a: [1] } })
    expect(new TextDecoder().decode((seen.events[0] as { body: Uint8Array }).body)).toBe(
      '{"a":[1]}',
    )
    expect(seen.scope?.headers).toContainEqual(['content-type', 'application/json'])
  })

  test('receive() after the body waits for the response to complete, then yields http.disconnect every time', async () => {
    const log: string[] = []
    const app: Application = async (_s, receive, send) => {
      await receive()
      const waiting = receive().then((e) => log.push(`late:${e.type}`))
      await send({ type: 'http.response.start', status: 200 })
      log.push('started')
      await send({ type: 'http.response.body' })
      await waiting
      log.push(`again:${(await receive()).type}`, `again:${(await receive()).type}`)
    }
    await createTestClient(app).request('/')
    expect(log).toEqual([
      'started',
      'late:http.disconnect',
      'again:http.disconnect',
      'again:http.disconnect',
    ])
  })

  test('concurrent receive() calls are answered in order', async () => {
    const got: string[] = []
    const app: Application = async (_s, receive, send) => {
      const all = await Promise.all([receive(), receive(), receive()])
      for (const e of all)
        got.push(e.type === 'http.request' ? new TextDecoder().decode(e.body) : e.type)
      await send({ type: 'http.response.start', status: 204 })
      await send({ type: 'http.response.body' })
    }
    await createTestClient(app).request('/', { method: 'POST', body: ['1', '2', '3'] })
    expect(got).toEqual(['1', '2', '3'])
  })

  test('100 Continue is sent only when the app reads the body', async () => {
    const client = createTestClient(recorder().app)
    const expecting = { method: 'POST', body: 'x', headers: { expect: '100-continue' } }
    expect((await client.request('/', expecting)).continueSent).toBe(true)
    expect((await client.request('/', { method: 'POST', body: 'x' })).continueSent).toBe(false)
    expect((await createTestClient(textApp('no read')).request('/', expecting)).continueSent).toBe(
      false,
    )
  })

  test('a failing body source is a client that went away', async () => {
    const seen: string[] = []
    const app: Application = async (_s, receive, send) => {
      for (;;) {
        const e = await receive()
        seen.push(e.type)
        if (e.type === 'http.disconnect') break
      }
      await expect(send({ type: 'http.response.start', status: 200 })).rejects.toBeInstanceOf(
        ClientDisconnectedError,
      )
    }
    async function* broken() {
      yield 'part'
      throw new Error('connection reset')
    }
    const res = await createTestClient(app).request('/', { method: 'POST', body: broken() })
    expect(seen).toEqual(['http.request', 'http.disconnect'])
    expect(res.status).toBe(0)
  })
})

describe('ordering rules fail loudly', () => {
  const cases: Array<[string, (receive: Receive, send: Send) => Promise<void>, string]> = [
    [
      'body before start',
      async (_r, send) => send({ type: 'http.response.body', body: bytes('x') }),
      'http.response.body cannot be sent before http.response.start',
    ],
    [
      'a second start',
      async (_r, send) => {
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.start', status: 200 })
      },
      'http.response.start cannot be sent twice',
    ],
    [
      'a body after the final body',
      async (_r, send) => {
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body' })
        await send({ type: 'http.response.body' })
      },
      'http.response.body cannot be sent after the response is complete',
    ],
    [
      'an invalid event',
      async (_r, send) => send({ type: 'http.response.start', status: '200' as unknown as number }),
      'http.response.start: status must be an integer from 200 to 599, got string "200"',
    ],
    [
      'an unknown event type',
      async (_r, send) => send({ type: 'http.response.push' } as never),
      'http.response.push: type is not an event an application can send',
    ],
    [
      'returning without a response',
      async () => {},
      'the application returned without sending http.response.start',
    ],
    [
      'returning mid-body',
      async (_r, send) => {
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body', moreBody: true })
      },
      'the application returned before the response body was complete',
    ],
    [
      'more bytes than content-length',
      async (_r, send) => {
        await send({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
        await send({ type: 'http.response.body', body: bytes('abc') })
      },
      'response body exceeds its content-length: 3 bytes sent, 2 declared',
    ],
    [
      'fewer bytes than content-length',
      async (_r, send) => {
        await send({ type: 'http.response.start', status: 200, headers: [['content-length', '5']] })
        await send({ type: 'http.response.body', body: bytes('abc') })
      },
      'response body ended short of its content-length: 3 of 5 bytes sent',
    ],
  ]

  test.each(cases)('%s rejects the request', async (_name, body, message) => {
    const app: Application = async (_s, receive, send) => body(receive, send)
    await expect(createTestClient(app).request('/')).rejects.toThrow(message)
  })

  test.each(cases)('%s is listed on the response when not strict', async (_name, body, message) => {
    const app: Application = async (_s, receive, send) => body(receive, send).catch(() => {})
    const res = await createTestClient(app, { strict: false }).request('/')
    expect(res.violations.map((v) => v.message)).toContainEqual(expect.stringContaining(message))
  })

  test('a violation the app catches still fails the request, and later sends keep failing', async () => {
    let second: unknown
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.body' }).catch(() => {})
      second = await send({ type: 'http.response.start', status: 200 }).catch((e: unknown) => e)
    }
    await expect(createTestClient(app).request('/')).rejects.toMatchObject({
      code: 'TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT',
    })
    expect(second).toMatchObject({ code: 'TSGI_PROTOCOL_ERR_UNEXPECTED_EVENT' })
    const res = await createTestClient(app, { strict: false }).request('/')
    expect(res.status).toBe(500)
  })

  test('a shortfall delivers the bytes sent and marks the response truncated', async () => {
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '5']] })
      await send({ type: 'http.response.body', body: bytes('abc') }).catch(() => {})
    }
    const res = await createTestClient(app, { strict: false }).request('/')
    expect(res.text()).toBe('abc')
    expect(res.truncated).toBe(true)
  })
})

describe('application errors', () => {
  const boom = new Error('boom')
  const throwsBeforeStart: Application = async () => {
    throw boom
  }
  const throwsAfterStart: Application = async (_s, _r, send) => {
    await send({ type: 'http.response.start', status: 200 })
    await send({ type: 'http.response.body', body: bytes('partial'), moreBody: true })
    throw boom
  }

  test('are rethrown by default', async () => {
    await expect(createTestClient(throwsBeforeStart).request('/')).rejects.toBe(boom)
    await expect(createTestClient(throwsAfterStart).request('/')).rejects.toBe(boom)
  })

  test('become a 500 before the response started, as on a server', async () => {
    const res = await createTestClient(throwsBeforeStart, { rethrow: false }).request('/')
    expect(res.status).toBe(500)
    expect(res.header('connection')).toBe('close')
    expect(res.text()).toBe('Internal Server Error')
  })

  test('truncate the response after it started', async () => {
    const res = await createTestClient(throwsAfterStart, { rethrow: false }).request('/')
    expect(res.status).toBe(200)
    expect(res.text()).toBe('partial')
    expect(res.truncated).toBe(true)
  })

  test('an app that throws synchronously is handled like a rejection', async () => {
    const sync = (() => {
      throw boom
    }) as unknown as Application
    await expect(createTestClient(sync).request('/')).rejects.toBe(boom)
  })

  test('a rejection without a reason is rethrown as an Error, not taken for a return', async () => {
    const silent: Application = () => Promise.reject(undefined)
    const error = await createTestClient(silent)
      .request('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ message: 'the application rejected with undefined' })
    const res = await createTestClient(silent, { rethrow: false }).request('/')
    expect(res.status).toBe(500)
  })
})

describe('streaming and disconnects', () => {
  test('a streamed response is read as it is sent, with backpressure on send', async () => {
    const progress: number[] = []
    const chunk = new Uint8Array(40 * 1024)
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      for (let i = 1; i <= 4; i++) {
        await send({ type: 'http.response.body', body: chunk, moreBody: true })
        progress.push(i)
      }
      await send({ type: 'http.response.body' })
    }
    const res = await createTestClient(app, { highWaterMark: 64 * 1024 }).stream('/')
    expect(res.status).toBe(200)
    // The in-memory client runs on promises alone: one event-loop turn lets every send that can
    // go through do so.
    await new Promise((r) => setImmediate(r))
    // The first send fits under the mark; the second goes over it and waits for the reader.
    expect(progress).toEqual([1])
    expect(res.buffered).toBe(80 * 1024)
    expect((await res.read())?.byteLength).toBe(40 * 1024)
    await new Promise((r) => setTimeout(r, 0))
    expect(progress).toEqual([1, 2])
    expect((await res.bytes()).byteLength).toBe(3 * 40 * 1024)
    await res.done()
    expect(progress).toEqual([1, 2, 3, 4])
  })

  test('disconnect(): pending receive() yields http.disconnect and send() rejects', async () => {
    const log: string[] = []
    let resolveReady!: () => void
    const ready = new Promise<void>((r) => {
      resolveReady = r
    })
    const app: Application = async (_s, receive, send) => {
      await receive()
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: bytes('a'), moreBody: true })
      resolveReady()
      log.push((await receive()).type)
      log.push((await receive()).type)
      await send({ type: 'http.response.body', body: bytes('b'), moreBody: true }).catch(
        (e: unknown) => {
          log.push((e as ClientDisconnectedError).code)
          throw e
        },
      )
    }
    const res = await createTestClient(app).stream('/')
    await ready
    res.disconnect()
    await res.done()
    expect(log).toEqual([
      'http.disconnect',
      'http.disconnect',
      'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
    ])
    expect(await res.text()).toBe('a')
  })

  test('a send blocked on backpressure rejects when the client leaves', async () => {
    let outcome: unknown
    const app: Application = async (_s, _r, send) => {
      await send({ type: 'http.response.start', status: 200 })
      outcome = await send({
        type: 'http.response.body',
        body: new Uint8Array(10),
        moreBody: true,
      }).catch((e: unknown) => e)
    }
    const res = await createTestClient(app, { highWaterMark: 4 }).stream('/')
    res.disconnect()
    await res.done()
    expect(outcome).toBeInstanceOf(ClientDisconnectedError)
  })

  test('an aborted signal disconnects and rejects the request with its reason', async () => {
    const controller = new AbortController()
    const seen: string[] = []
    const app: Application = async (_s, receive) => {
      controller.abort(new Error('gave up'))
      seen.push((await receive()).type)
    }
    await expect(createTestClient(app).request('/', { signal: controller.signal })).rejects.toThrow(
      'gave up',
    )
    expect(seen).toEqual(['http.disconnect'])
    const aborted = AbortSignal.abort(new Error('already'))
    await expect(createTestClient(app).request('/', { signal: aborted })).rejects.toThrow('already')
  })

  test('an app that fails before starting makes stream() reject', async () => {
    const app: Application = async () => {
      throw new Error('early')
    }
    await expect(createTestClient(app).stream('/')).rejects.toThrow('early')
  })

  test('stream() exposes trailers, truncation and iteration', async () => {
    const app: Application = async (_s, _r, send) => {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['x-a', '1']],
        trailers: true,
      })
      await send({ type: 'http.response.body', body: bytes('1'), moreBody: true })
      await send({ type: 'http.response.body', body: bytes('2') })
      await send({ type: 'http.response.trailers', headers: [['x-t', 'v']] })
    }
    const res = await createTestClient(app).stream('/')
    expect(res.header('X-A')).toBe('1')
    const parts: string[] = []
    for await (const c of res) parts.push(new TextDecoder().decode(c))
    await res.done()
    expect(parts).toEqual(['1', '2'])
    expect(res.trailers).toEqual([['x-t', 'v']])
    expect(res.truncated).toBe(false)
  })
})

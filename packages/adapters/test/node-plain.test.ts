import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HTTPScope, Receive, SendEvent } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fromNodeListener } from '../src/node/index.ts'
import { logged, memory, type Transport, until, values, wire } from './node-helpers.ts'

function plain(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
  const url = req.url ?? '/'
  if (url === '/len') {
    res.setHeader('content-length', '5')
    res.end('hello')
  } else if (url === '/204') {
    res.writeHead(204, { 'x-a': '1' }).end()
  } else if (url === '/304') {
    res.writeHead(304).end()
  } else if (url === '/hop') {
    res.setHeader('connection', 'x-private, close')
    res.setHeader('keep-alive', 'timeout=1')
    res.setHeader('x-private', 'secret')
    res.setHeader('upgrade', 'h2c')
    res.setHeader('proxy-connection', 'keep-alive')
    res.setHeader('x-kept', 'yes')
    res.end('hop')
  } else if (url === '/throw') {
    throw new Error('before the response')
  } else if (url === '/late-throw') {
    res.write('partial')
    return new Promise((_resolve, reject) => {
      res.once('drain', () => reject(new Error('after the start')))
    })
  } else if (url === '/continue') {
    res.writeContinue()
    res.end('after continue')
  } else {
    res.statusCode = 200
    res.end(`${req.method} ${url}`)
  }
  return undefined
}

const app = fromNodeListener(plain)

describe.each(['memory', 'wire'])('plain listener (%s)', (kind) => {
  let t: Transport
  beforeAll(async () => {
    t = kind === 'memory' ? memory(app) : await wire(app)
  })
  afterAll(() => t.close())

  test('a simple response', async () => {
    const got = await t.hit({ path: '/x?y=1' })
    expect(got.status).toBe(200)
    expect(got.text).toBe('GET /x?y=1')
  })

  test('HEAD keeps content-length and has no body', async () => {
    const got = await t.hit({ method: 'HEAD', path: '/len' })
    expect(got.status).toBe(200)
    expect(values(got, 'content-length')).toEqual(['5'])
    expect(got.text).toBe('')
  })

  test('204 and 304 have no body', async () => {
    const noContent = await t.hit({ path: '/204' })
    expect(noContent.status).toBe(204)
    expect(values(noContent, 'x-a')).toEqual(['1'])
    expect(noContent.text).toBe('')
    const notModified = await t.hit({ path: '/304' })
    expect(notModified.status).toBe(304)
    expect(notModified.text).toBe('')
  })

  test('hop-by-hop fields, and fields named in connection, are dropped', async () => {
    const got = await t.hit({ path: '/hop' })
    expect(got.text).toBe('hop')
    expect(values(got, 'x-kept')).toEqual(['yes'])
    for (const name of ['x-private', 'upgrade', 'proxy-connection']) {
      expect(values(got, name)).toEqual([])
    }
    if (kind === 'memory') {
      for (const name of ['connection', 'keep-alive', 'transfer-encoding']) {
        expect(values(got, name)).toEqual([])
      }
    }
  })

  test('writeContinue is not an interim response of the adapter', async () => {
    const got = await t.hit({ path: '/continue' })
    expect(got.status).toBe(200)
    expect(got.text).toBe('after continue')
  })

  test('an error thrown before the response began is a 500', async () => {
    if (kind === 'memory') {
      await expect(createTestClient(app).request('/throw')).rejects.toThrow('before the response')
      const res = await createTestClient(app, { rethrow: false }).request('/throw')
      expect(res.status).toBe(500)
    } else {
      const before = logged.length
      const got = await t.hit({ path: '/throw' })
      expect(got.status).toBe(500)
      await until(() => logged.length > before)
    }
  })

  test('an error after the response began truncates the response', async () => {
    if (kind === 'memory') {
      const res = await createTestClient(app, { rethrow: false }).request('/late-throw')
      expect(res.status).toBe(200)
      expect(res.truncated).toBe(true)
    } else {
      await expect(t.hit({ path: '/late-throw' })).rejects.toThrow()
    }
  })
})

/** Drives the app directly with a scope of our own. */
function scopeOf(overrides: Partial<HTTPScope>): HTTPScope {
  return {
    type: 'http',
    tsgi: { version: '1.0', specVersion: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path: '/',
    rawPath: '/',
    queryString: '',
    rootPath: '',
    headers: [['host', 'example.test']],
    client: { host: '203.0.113.7', port: 4321 },
    server: { host: '127.0.0.1', port: 8080 },
    state: {},
    extensions: {},
    ...overrides,
  }
}

const doneBody: Receive = async () => ({
  type: 'http.request',
  body: new Uint8Array(0),
  moreBody: false,
})

describe('request fields', () => {
  test('method, url, version, headers, rawHeaders, socket', async () => {
    let seen: Record<string, unknown> = {}
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      seen = {
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        cookie: req.headers.cookie,
        accept: req.headers.accept,
        raw: req.rawHeaders,
        remote: [req.socket.remoteAddress, req.socket.remotePort],
        encrypted: (req.socket as { encrypted?: boolean }).encrypted,
      }
      res.end()
    }
    const sent: SendEvent[] = []
    await fromNodeListener(listener)(
      scopeOf({
        method: 'DELETE',
        httpVersion: '1.0',
        scheme: 'https',
        rawPath: '/a%20b',
        path: '/a b',
        queryString: 'q=1',
        headers: [
          ['host', 'example.test'],
          ['accept', 'a'],
          ['accept', 'b'],
          ['cookie', 'x=1'],
          ['cookie', 'y=2'],
        ],
      }),
      doneBody,
      async (event) => {
        sent.push(event)
      },
    )
    expect(seen).toEqual({
      method: 'DELETE',
      url: '/a%20b?q=1',
      httpVersion: '1.0',
      cookie: 'x=1; y=2',
      accept: 'a, b',
      raw: ['host', 'example.test', 'accept', 'a', 'accept', 'b', 'cookie', 'x=1', 'cookie', 'y=2'],
      remote: ['203.0.113.7', 4321],
      encrypted: true,
    })
    // HTTP/1.0 still gets a framed, de-chunked body and a single final event.
    expect(sent.at(-1)).toMatchObject({ type: 'http.response.body', moreBody: false })
  })
})

describe('response details', () => {
  const run = async (
    listener: (req: IncomingMessage, res: ServerResponse) => unknown,
    extensions: HTTPScope['extensions'] = {},
  ) => {
    const sent: SendEvent[] = []
    const result = fromNodeListener(listener)(scopeOf({ extensions }), doneBody, async (e) => {
      sent.push(e)
    })
    return { sent, result }
  }

  test('trailers go through http.response.trailers when offered and announced', async () => {
    const listener = (_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('trailer', 'x-sum')
      res.write('body')
      res.addTrailers({ 'x-sum': 'abc' })
      res.end()
    }
    const offered = await run(listener, { 'http.response.trailers': {} })
    await offered.result
    expect(offered.sent[0]).toMatchObject({ type: 'http.response.start', trailers: true })
    expect(offered.sent.at(-1)).toEqual({
      type: 'http.response.trailers',
      headers: [['x-sum', 'abc']],
    })
    const absent = await run(listener)
    await absent.result
    expect(absent.sent[0]).toMatchObject({ trailers: false })
    expect(absent.sent.map((e) => e.type)).not.toContain('http.response.trailers')
  })

  test('flushHeaders sends the start before any body', async () => {
    let flushed: (() => void) | undefined
    const { sent, result } = await run((_req, res) => {
      res.setHeader('x-early', '1')
      res.flushHeaders()
      flushed = () => res.end('late')
    })
    await until(() => sent.length === 1)
    expect(sent[0]).toMatchObject({ type: 'http.response.start', status: 200 })
    flushed?.()
    await result
    expect(sent.at(-1)).toMatchObject({ type: 'http.response.body', moreBody: false })
  })

  test('an error after the response began rejects the application', async () => {
    const { sent, result } = await run(async (_req, res) => {
      res.write('partial')
      await new Promise<void>((resolve) => res.once('drain', resolve))
      throw new Error('after the start')
    })
    await expect(result).rejects.toThrow('after the start')
    expect(sent[0]).toMatchObject({ type: 'http.response.start' })
  })

  test('lifespan and websocket scopes are refused', async () => {
    const app2 = fromNodeListener(plain)
    await expect(
      app2(
        { type: 'lifespan', tsgi: { version: '1.0', specVersion: '1.0' }, state: {} },
        doneBody,
        async () => {},
      ),
    ).rejects.toMatchObject({ code: 'TSGI_PROTOCOL_ERR_UNSUPPORTED_SCOPE' })
    expect(() => fromNodeListener(null as never)).toThrow(/expected a \(req, res\) function/)
  })
})

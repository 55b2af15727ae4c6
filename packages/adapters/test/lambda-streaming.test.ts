/**
 * toLambda(app, { streaming }) with a stand-in for the runtime's `awslambda` global: the
 * prelude through HttpResponseStream.from(), body chunks written to a real Writable with a
 * small highWaterMark (send() waits for 'drain'), bodyless responses, errors before and after
 * the prelude, a client that leaves.
 */
import { Buffer } from 'node:buffer'
import {
  type Application,
  ClientDisconnectedError,
  type Receive,
  type ReceiveEvent,
  type Send,
} from '@tsgi/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { LambdaAdapterError, toLambda } from '../src/lambda/index.ts'
import {
  echoApp,
  fakeRuntime,
  fakeStream,
  installRuntime,
  readBody,
  sampleEvent,
} from './lambda-helpers.ts'

let uninstall: (() => void) | undefined
afterEach(() => {
  uninstall?.()
  uninstall = undefined
})

function runtime() {
  const fake = fakeRuntime()
  uninstall = installRuntime(fake)
  return fake
}

const CHUNK = 64
const CHUNKS = 10

/** Streams CHUNKS chunks of CHUNK bytes (byte value = chunk index), logging each send. */
function streamingApp(log: string[]): Application {
  return async (scope, receive: Receive, send: Send) => {
    if (scope.type !== 'http') throw new Error('unsupported')
    await readBody(receive)
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [
        ['content-type', 'application/octet-stream'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['x-multi', 'one'],
        ['x-multi', 'two'],
        ['connection', 'close'],
      ],
    })
    for (let i = 0; i < CHUNKS; i++) {
      await send({
        type: 'http.response.body',
        body: new Uint8Array(CHUNK).fill(i),
        moreBody: i < CHUNKS - 1,
      })
      log.push(`sent ${i}`)
    }
  }
}

describe('choosing streaming', () => {
  it("'on' without the awslambda global is a LambdaAdapterError", () => {
    try {
      toLambda(echoApp, { streaming: 'on' })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(LambdaAdapterError)
      expect((error as LambdaAdapterError).code).toBe('TSGI_ADAPTERS_ERR_LAMBDA_STREAMING')
    }
  })

  it("'auto' streams only when the global is there; the default never does", () => {
    expect(toLambda(echoApp, { streaming: 'auto' }).streaming).toBe(false)
    const fake = runtime()
    expect(toLambda(echoApp, { streaming: 'auto' }).streaming).toBe(true)
    expect(toLambda(echoApp).streaming).toBe(false)
    expect(toLambda(echoApp, { streaming: 'off' }).streaming).toBe(false)
    expect(fake.streamified).toBe(1)
  })

  it('a global without HttpResponseStream.from does not count', () => {
    uninstall = installRuntime({ streamifyResponse: () => {} } as never)
    expect(toLambda(echoApp, { streaming: 'auto' }).streaming).toBe(false)
  })
})

describe('streamed responses', () => {
  it('writes the prelude, then each chunk, send() waiting for drain', async () => {
    const fake = runtime()
    const log: string[] = []
    const handler = toLambda(streamingApp(log), { streaming: 'on', lifespan: 'off' })
    const sink = fakeStream(16)
    const run = handler(sampleEvent('function-url'), sink.stream, {})
    let done = false
    run.then(() => {
      done = true
    })
    // Each chunk (64 B) fills the 16 B buffer: write() says false, send() waits for 'drain',
    // which only comes when the sink consumed it. So no send resolves before its release.
    while (!done) {
      await Promise.race([sink.waiting(), run])
      if (done) break
      log.push('release')
      sink.release(1)
    }
    expect(await run).toBeUndefined()
    expect(fake.preludes).toEqual([
      {
        statusCode: 200,
        headers: { 'content-type': 'application/octet-stream', 'x-multi': 'one, two' },
        cookies: ['a=1', 'b=2'],
      },
    ])
    const expected = Buffer.concat(
      Array.from({ length: CHUNKS }, (_, i) => new Uint8Array(CHUNK).fill(i)),
    )
    expect(Buffer.from(sink.body())).toEqual(expected)
    expect(sink.stream.writableFinished).toBe(true)
    expect(log.filter((e) => e === 'release')).toHaveLength(CHUNKS)
    // Chunk i's send() resolves only after the sink consumed chunk i (the i + 1-th release).
    const releasesBefore = (i: number) =>
      log.slice(0, log.indexOf(`sent ${i}`)).filter((e) => e === 'release').length
    expect(Array.from({ length: CHUNKS }, (_, i) => releasesBefore(i) >= i + 1)).toEqual(
      Array.from({ length: CHUNKS }, () => true),
    )
  })

  it('streams an echo through a v2 event once released freely', async () => {
    runtime()
    const handler = toLambda(echoApp, { streaming: 'on', lifespan: 'off' })
    const sink = fakeStream()
    sink.release()
    await handler(sampleEvent('apigw-v2'), sink.stream, {})
    const echo = JSON.parse(Buffer.from(sink.body()).toString()) as { path: string }
    expect(echo.path).toBe('/users/42')
  })

  it('HEAD and 204: the prelude and no body', async () => {
    const fake = runtime()
    const handler = toLambda(echoApp, { streaming: 'on', lifespan: 'off' })
    const head = sampleEvent('function-url')
    ;(head.requestContext.http as { method: string }).method = 'HEAD'
    head.rawPath = '/status/200'
    const sink1 = fakeStream()
    sink1.release()
    await handler(head, sink1.stream, {})
    const none = sampleEvent('function-url')
    none.rawPath = '/status/204'
    const sink2 = fakeStream()
    sink2.release()
    await handler(none, sink2.stream, {})
    expect(fake.preludes.map((p) => p.statusCode)).toEqual([200, 204])
    expect([sink1.body().byteLength, sink2.body().byteLength]).toEqual([0, 0])
    expect([sink1.stream.writableFinished, sink2.stream.writableFinished]).toEqual([true, true])
  })

  it('runs lifespan startup once across streamed invocations', async () => {
    runtime()
    let startups = 0
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        await receive()
        startups++
        scope.state.n = startups
        await send({ type: 'lifespan.startup.complete' })
        await receive()
        await send({ type: 'lifespan.shutdown.complete' })
        return
      }
      return echoApp(scope, receive, send)
    }
    const handler = toLambda(app, { streaming: 'on' })
    for (let i = 0; i < 3; i++) {
      const sink = fakeStream()
      sink.release()
      await handler(sampleEvent('function-url'), sink.stream, {})
      expect(JSON.parse(Buffer.from(sink.body()).toString()).state).toEqual({ n: 1 })
    }
    expect(startups).toBe(1)
    await handler.close()
  })

  it('rejects a bad event', async () => {
    runtime()
    const handler = toLambda(echoApp, { streaming: 'on', lifespan: 'off' })
    await expect(handler({ nope: true }, fakeStream().stream, {})).rejects.toThrow(/known shape/)
  })
})

describe('streamed errors and disconnects', () => {
  const failing =
    (when: 'before' | 'start' | 'body'): Application =>
    async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      await readBody(receive)
      if (when === 'before') throw new Error('boom before')
      await send({ type: 'http.response.start', status: 200 })
      if (when === 'start') throw new Error('boom start')
      await send({ type: 'http.response.body', body: new Uint8Array(4), moreBody: true })
      throw new Error('boom body')
    }

  it.each(['before', 'start'] as const)('failing %s the prelude went out: a 500', async (when) => {
    const fake = runtime()
    const errors: unknown[] = []
    const handler = toLambda(failing(when), {
      streaming: 'on',
      lifespan: 'off',
      onError: (e) => errors.push(e),
    })
    const sink = fakeStream()
    sink.release()
    await handler(sampleEvent('function-url'), sink.stream, {})
    expect(fake.preludes).toEqual([
      { statusCode: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, cookies: [] },
    ])
    expect(Buffer.from(sink.body()).toString()).toBe('Internal Server Error')
    expect(String(errors[0])).toMatch(`boom ${when}`)
  })

  it('failing after the body began: the stream is destroyed', async () => {
    runtime()
    const errors: unknown[] = []
    const handler = toLambda(failing('body'), {
      streaming: 'on',
      lifespan: 'off',
      onError: (e) => errors.push(e),
    })
    const sink = fakeStream()
    sink.release()
    await handler(sampleEvent('function-url'), sink.stream, {})
    expect(sink.stream.destroyed).toBe(true)
    expect(sink.stream.writableFinished).toBe(false)
    expect(String(errors[0])).toMatch('boom body')
  })

  it('a client that leaves: send() rejects, receive() gives http.disconnect, no error', async () => {
    runtime()
    const errors: unknown[] = []
    let sendError: unknown
    let after: ReceiveEvent | undefined
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      await readBody(receive)
      await send({ type: 'http.response.start', status: 200 })
      try {
        for (;;)
          await send({ type: 'http.response.body', body: new Uint8Array(64), moreBody: true })
      } catch (error) {
        sendError = error
      }
      after = await receive()
    }
    const handler = toLambda(app, {
      streaming: 'on',
      lifespan: 'off',
      onError: (e) => errors.push(e),
    })
    const sink = fakeStream(16)
    const run = handler(sampleEvent('function-url'), sink.stream, {})
    await sink.waiting()
    sink.stream.destroy()
    await run
    expect(sendError).toBeInstanceOf(ClientDisconnectedError)
    expect(after).toEqual({ type: 'http.disconnect' })
    expect(errors).toEqual([])
  })

  it('an app that lets ClientDisconnectedError propagate is not an error', async () => {
    runtime()
    const errors: unknown[] = []
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('unsupported')
      await readBody(receive)
      await send({ type: 'http.response.start', status: 200 })
      for (;;) await send({ type: 'http.response.body', body: new Uint8Array(64), moreBody: true })
    }
    const handler = toLambda(app, {
      streaming: 'on',
      lifespan: 'off',
      onError: (e) => errors.push(e),
    })
    const sink = fakeStream(16)
    const run = handler(sampleEvent('function-url'), sink.stream, {})
    await sink.waiting()
    sink.stream.destroy(new Error('socket hang up'))
    await run
    expect(errors).toEqual([])
  })
})

/**
 * Helpers of the Lambda adapter tests: the hand-written events of test/lambda-events/, a plain
 * protocol echo app, and a stand-in for the runtime's `awslambda` global over a real Writable.
 */
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import type { Application, HTTPScope, Receive, Send } from '@tsgi/protocol'
import type { AwsLambdaGlobal, ResponseStream, StreamPrelude } from '../src/lambda/index.ts'

const utf8 = new TextEncoder()

/** The event shapes of test/lambda-events/. */
export type EventName =
  | 'apigw-v1'
  | 'apigw-v2'
  | 'apigw-v2-stage'
  | 'function-url'
  | 'alb'
  | 'alb-multi'

/** A fresh copy of a sample event (a plain JSON object tests may change). */
export function sampleEvent(name: EventName): Record<string, unknown> & {
  requestContext: Record<string, unknown>
} {
  const url = new URL(`./lambda-events/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8'))
}

/** Reads the whole request body. */
export async function readBody(receive: Receive): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') break
    chunks.push(event.body)
    if (!event.moreBody) break
  }
  return Buffer.concat(chunks)
}

/** What the echo app reports about a request. */
export interface Echo {
  method: string
  path: string
  rawPath: string
  rootPath: string
  queryString: string
  headers: Array<[string, string]>
  client: HTTPScope['client']
  server: HTTPScope['server']
  scheme: string
  httpVersion: string
  body: string
  state: Record<string, unknown>
  source: unknown
}

/** All 256 byte values. */
export const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)

/**
 * A plain protocol app. Routes below `rootPath`: `/cookies` (two Set-Cookie), `/binary` (all
 * byte values), `/status/<n>`, `/hop` (hop-by-hop headers), everything else echoes the request
 * as JSON (the body base64).
 */
export const echoApp: Application = async (scope, receive: Receive, send: Send) => {
  if (scope.type !== 'http') throw new Error(`unsupported scope ${scope.type}`)
  const body = await readBody(receive)
  const route = scope.path.slice(scope.rootPath.length) || '/'
  if (route === '/cookies') {
    await send({
      type: 'http.response.start',
      status: 201,
      headers: [
        ['Set-Cookie', 'a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT'],
        ['set-cookie', 'b=2'],
        ['x-multi', 'one'],
        ['X-Multi', 'two'],
        ['content-type', 'text/plain'],
      ],
    })
    await send({ type: 'http.response.body', body: utf8.encode('cookies') })
    return
  }
  if (route === '/binary') {
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [['content-type', 'application/octet-stream']],
    })
    await send({ type: 'http.response.body', body: ALL_BYTES.subarray(0, 100), moreBody: true })
    await send({ type: 'http.response.body', body: ALL_BYTES.subarray(100) })
    return
  }
  const status = /^\/status\/(\d+)$/.exec(route)
  if (status) {
    await send({
      type: 'http.response.start',
      status: Number(status[1]),
      headers: [['content-type', 'text/plain']],
    })
    await send({ type: 'http.response.body', body: utf8.encode('has a body') })
    return
  }
  const extension = scope.extensions['aws.lambda'] as { source?: unknown } | undefined
  const echo: Echo = {
    method: scope.method,
    path: scope.path,
    rawPath: scope.rawPath,
    rootPath: scope.rootPath,
    queryString: scope.queryString,
    headers: scope.headers,
    client: scope.client,
    server: scope.server,
    scheme: scope.scheme,
    httpVersion: scope.httpVersion,
    body: Buffer.from(body).toString('base64'),
    state: scope.state,
    source: extension?.source,
  }
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [['content-type', 'application/json; charset=utf-8']],
  })
  await send({ type: 'http.response.body', body: utf8.encode(JSON.stringify(echo)) })
}

/** A response stream and what went through it. */
export interface FakeStream {
  stream: Writable & ResponseStream
  /** Bytes the sink has consumed so far (prelude excluded). */
  body(): Uint8Array
  /** Bytes accepted by write() but not yet consumed. */
  readonly pending: number
  /** Lets the sink consume `n` more chunks (Infinity: all from now on). */
  release(n?: number): void
  /** Resolves once the sink holds a chunk it has not consumed. */
  waiting(): Promise<void>
}

/**
 * A real Writable with a small highWaterMark whose sink consumes chunks only when released, so
 * write() returns false and 'drain' waits for the test.
 */
export function fakeStream(highWaterMark = 16): FakeStream {
  const consumed: Uint8Array[] = []
  let credit = 0
  const held: Array<() => void> = []
  let onHeld: (() => void) | null = null
  let pending = 0
  const state: FakeStream = {
    stream: new Writable({
      highWaterMark,
      write(chunk: Buffer, _encoding, callback) {
        const take = () => {
          consumed.push(new Uint8Array(chunk))
          pending -= chunk.byteLength
          callback()
        }
        pending += chunk.byteLength
        if (credit > 0) {
          credit--
          take()
        } else {
          held.push(take)
          onHeld?.()
        }
      },
    }) as Writable & ResponseStream,
    body: () => Buffer.concat(consumed),
    get pending() {
      return pending
    },
    release(n = Number.POSITIVE_INFINITY) {
      credit += n
      while (credit > 0 && held.length > 0) {
        credit--
        held.shift()!()
      }
    },
    waiting: () =>
      held.length > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onHeld = () => {
              onHeld = null
              resolve()
            }
          }),
  }
  return state
}

/** A stand-in for the Node.js runtime's `awslambda` global: records the prelude. */
export function fakeRuntime(): AwsLambdaGlobal & {
  streamified: number
  preludes: StreamPrelude[]
} {
  const runtime = {
    streamified: 0,
    preludes: [] as StreamPrelude[],
    streamifyResponse(
      handler: (
        event: unknown,
        stream: ResponseStream,
        context: Record<string, unknown>,
      ) => Promise<void>,
    ) {
      runtime.streamified++
      return handler
    },
    HttpResponseStream: {
      from(stream: ResponseStream, prelude: StreamPrelude) {
        runtime.preludes.push(prelude)
        return stream
      },
    },
  }
  return runtime
}

/** Installs `runtime` as `globalThis.awslambda` until the returned function is called. */
export function installRuntime(runtime: AwsLambdaGlobal): () => void {
  const holder = globalThis as { awslambda?: unknown }
  const previous = holder.awslambda
  holder.awslambda = runtime
  return () => {
    if (previous === undefined) delete holder.awslambda
    else holder.awslambda = previous
  }
}

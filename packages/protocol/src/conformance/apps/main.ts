/**
 * The suite's main test application, written against the protocol only. Each path is one
 * behaviour a case needs; what the app observes goes to its record (`?t=`, see record.ts).
 * It has no lifespan (it throws on the lifespan scope, as SPEC.md §2 asks).
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import type { Application, Receive, Send } from '../../application.ts'
import { UnsupportedScopeError } from '../../errors.ts'
import type { HTTPScope } from '../../http.ts'
import { hold, json, outcome, record, release, released, sendRecord, sleep } from './record.ts'
import { websocketApp } from './websocket.ts'

const utf8 = new TextEncoder()
const SELF = fileURLToPath(import.meta.url)

async function readAll(receive: Receive, r: Record<string, unknown>) {
  const parts: Uint8Array[] = []
  const flags: boolean[] = []
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') {
      r.disconnected = true
      return null
    }
    parts.push(event.body)
    flags.push(event.moreBody)
    if (!event.moreBody) break
  }
  return { body: Buffer.concat(parts), flags }
}

async function plain(send: Send, status: number, text: string, length = true) {
  const body = utf8.encode(text)
  await send({
    type: 'http.response.start',
    status,
    headers: length ? [['content-length', String(body.byteLength)]] : [],
  })
  await send({ type: 'http.response.body', body })
}

async function http(scope: HTTPScope, receive: Receive, send: Send): Promise<void> {
  const r = record(scope)
  const path = scope.path.slice(scope.rootPath.length)
  const [, first = '', arg = ''] = path.split('/')
  switch (first) {
    case 'record':
      return sendRecord(scope, send)
    case 'scope': {
      const body = await readAll(receive, r)
      const { state: _state, ...rest } = scope
      return json(send, 200, { ...rest, bodyLength: body?.body.byteLength ?? -1 })
    }
    case 'echo-body': {
      r.arrived = true
      const read = await readAll(receive, r)
      if (read === null) return
      return json(send, 200, {
        length: read.body.byteLength,
        events: read.flags.length,
        moreBody: read.flags,
        text: read.body.byteLength <= 1024 ? read.body.toString('latin1') : '',
      })
    }
    case 'hold':
      if (await hold(receive, r)) await plain(send, 200, 'held')
      return
    case 'read-one': {
      // Takes one body event, then reads no more until `/release?t=`.
      await receive()
      r.first = true
      await released(scope)
      while ((await receive()).type === 'http.request');
      return
    }
    case 'release':
      release(scope)
      return plain(send, 200, 'released')
    case 'no-read':
      return plain(send, 200, 'answered without reading')
    case 'length':
      return plain(send, 200, 'x'.repeat(Number(arg)))
    case 'chunks': {
      await send({ type: 'http.response.start', status: 200 })
      const n = Number(arg)
      for (let i = 1; i <= n; i++)
        await send({
          type: 'http.response.body',
          body: utf8.encode(`chunk ${i}\n`),
          moreBody: i < n,
        })
      return
    }
    case 'parts': {
      // A declared length sent in several parts.
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '6']] })
      await send({ type: 'http.response.body', body: utf8.encode('abc'), moreBody: true })
      await send({ type: 'http.response.body', body: utf8.encode('def') })
      return
    }
    case 'back-to-back': {
      // Every send called before the previous one settled (SPEC §2.7).
      await Promise.all([
        send({ type: 'http.response.start', status: 200, headers: [['content-length', '6']] }),
        send({ type: 'http.response.body', body: utf8.encode('abc'), moreBody: true }),
        send({ type: 'http.response.body', body: utf8.encode('de'), moreBody: true }),
        send({ type: 'http.response.body', body: utf8.encode('f') }),
      ])
      return
    }
    case 'status':
      return plain(send, Number(arg), 'body that must not be sent', false)
    case 'headers': {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [
          ['x-order', '1'],
          ['Set-Cookie', 'a=1'],
          ['set-cookie', 'b=2'],
          ['x-order', '2'],
          ['content-length', '2'],
        ],
      })
      await send({ type: 'http.response.body', body: utf8.encode('ok') })
      return
    }
    case 'te': {
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['transfer-encoding', 'gzip']],
      })
      await send({ type: 'http.response.body', body: utf8.encode('framed by the server') })
      return
    }
    case 'throw-before':
      throw new Error('thrown before the response')
    case 'throw-after':
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '100']] })
      await send({ type: 'http.response.body', body: utf8.encode('partial'), moreBody: true })
      throw new Error('thrown mid-body')
    case 'throw-after-chunked':
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: utf8.encode('partial'), moreBody: true })
      throw new Error('thrown mid-body')
    case 'return-without':
      return
    case 'return-mid':
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: utf8.encode('partial'), moreBody: true })
      return
    case 'violation': {
      const events: Record<string, () => Promise<void>> = {
        'body-first': () => send({ type: 'http.response.body', body: utf8.encode('x') }),
        'status-string': () =>
          send({ type: 'http.response.start', status: '200' as unknown as number }),
        'status-1xx': () => send({ type: 'http.response.start', status: 103 }),
        'header-crlf': () =>
          send({
            type: 'http.response.start',
            status: 200,
            headers: [['x-a', 'v\r\nx-injected: 1']],
          }),
        'header-name': () =>
          send({ type: 'http.response.start', status: 200, headers: [['bad name', 'v']] }),
        unknown: () => send({ type: 'http.response.push' } as never),
        'other-scope': () => send({ type: 'websocket.send', text: 'x' }),
      }
      r.code = await outcome(events[arg]!())
      if (arg === 'body-first' || r.code === 'resolved') return
      return
    }
    case 'second-start': {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '2']] })
      r.code = await outcome(send({ type: 'http.response.start', status: 201 }))
      return
    }
    case 'after-complete': {
      await plain(send, 200, 'done')
      r.code = await outcome(send({ type: 'http.response.body', body: utf8.encode('more') }))
      return
    }
    case 'over-length': {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '3']] })
      r.code = await outcome(send({ type: 'http.response.body', body: utf8.encode('abcdef') }))
      return
    }
    case 'short-length': {
      await send({ type: 'http.response.start', status: 200, headers: [['content-length', '10']] })
      r.code = await outcome(send({ type: 'http.response.body', body: utf8.encode('abc') }))
      return
    }
    case 'trailers': {
      if (!scope.extensions['http.response.trailers']) return plain(send, 501, 'no trailers')
      await send({ type: 'http.response.start', status: 200, trailers: true })
      await send({ type: 'http.response.body', body: utf8.encode('with trailers') })
      await send({ type: 'http.response.trailers', headers: [['x-checksum', 'abc']] })
      return
    }
    case 'pathsend': {
      if (!scope.extensions['http.response.pathsend']) return plain(send, 501, 'no pathsend')
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-type', 'text/plain']],
      })
      await send({ type: 'http.response.pathsend', path: SELF })
      return
    }
    case 'self-size': {
      const { statSync } = await import('node:fs')
      return json(send, 200, { size: statSync(SELF).size })
    }
    case 'wait-disconnect': {
      // Reads the body, then waits for the disconnect without answering.
      await readAll(receive, r)
      r.waiting = true
      const event = await receive()
      r.event = event.type
      r.sendAfter = await outcome(send({ type: 'http.response.start', status: 200 }))
      return
    }
    case 'stream-forever': {
      // Streams until send() rejects; counts what resolved.
      await send({ type: 'http.response.start', status: 200 })
      const chunk = new Uint8Array(64 * 1024)
      r.sent = 0
      for (;;) {
        const result = await outcome(
          send({ type: 'http.response.body', body: chunk, moreBody: true }),
        )
        if (result !== 'resolved') {
          r.rejected = result
          r.next = (await receive()).type
          return
        }
        r.sent = (r.sent as number) + 1
        if ((r.sent as number) >= 4096) return
      }
    }
    case 'receive-after': {
      await plain(send, 200, 'complete')
      r.events = [(await receive()).type, (await receive()).type]
      return
    }
    case 'sleep': {
      await sleep(Number(arg))
      return plain(send, 200, `slept ${arg}`)
    }
    default:
      return plain(send, 404, `no such test path ${path}`)
  }
}

/** The main test application. */
const app: Application = async (scope, receive, send) => {
  if (scope.type === 'http') return http(scope, receive, send)
  if (scope.type === 'websocket') return websocketApp(scope, receive, send)
  throw new UnsupportedScopeError(scope.type)
}
export default app

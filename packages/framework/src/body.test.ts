import type { ReceiveEvent } from '@tsgi/protocol'
import { describe, expect, test } from 'vitest'
import { BodyReader } from './body.ts'

/** A receive that yields `events`, then disconnects. */
function receiving(...events: ReceiveEvent[]) {
  let i = 0
  const receive = () => Promise.resolve(events[i++] ?? { type: 'http.disconnect' as const })
  return { receive, calls: () => i }
}
const chunk = (text: string, moreBody: boolean): ReceiveEvent => ({
  type: 'http.request',
  body: Buffer.from(text),
  moreBody,
})

describe('BodyReader.bytes', () => {
  test('one event: its bytes, cached, one receive()', async () => {
    const r = receiving(chunk('hello', false))
    const reader = new BodyReader(r.receive, 100, 5)
    expect(Buffer.from(await reader.bytes()).toString()).toBe('hello')
    expect(Buffer.from(await reader.bytes()).toString()).toBe('hello')
    expect(r.calls()).toBe(1)
    expect(reader.done).toBe(true)
  })

  test('several events are joined, empty ones skipped', async () => {
    const r = receiving(chunk('ab', true), chunk('', true), chunk('cd', true), chunk('e', false))
    const reader = new BodyReader(r.receive, 100, -1)
    expect(Buffer.from(await reader.bytes()).toString()).toBe('abcde')
    expect(r.calls()).toBe(4)
  })

  test('an empty body reads as zero bytes', async () => {
    const reader = new BodyReader(receiving(chunk('', false)).receive, 100, -1)
    expect((await reader.bytes()).byteLength).toBe(0)
  })

  test('the limit is enforced while reading, without a Content-Length: 413 at the chunk that passes it', async () => {
    const r = receiving(
      chunk('12345', true),
      chunk('67890', true),
      chunk('x', true),
      chunk('', false),
    )
    const reader = new BodyReader(r.receive, 8, -1)
    await expect(reader.bytes()).rejects.toMatchObject({
      status: 413,
      code: 'TSGI_FW_ERR_BODY_TOO_LARGE',
    })
    expect(r.calls()).toBe(2)
  })

  test('a single event over the limit, and a declared length over it (nothing read)', async () => {
    await expect(
      new BodyReader(receiving(chunk('123456789', false)).receive, 8, -1).bytes(),
    ).rejects.toMatchObject({ status: 413 })
    const r = receiving(chunk('123456789', false))
    await expect(new BodyReader(r.receive, 8, 9).bytes()).rejects.toMatchObject({ status: 413 })
    expect(r.calls()).toBe(0)
  })

  test('a disconnect mid-body or before it rejects with ClientDisconnectedError', async () => {
    const mid = new BodyReader(receiving(chunk('ab', true)).receive, 100, -1)
    await expect(mid.bytes()).rejects.toMatchObject({
      code: 'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
    })
    const before = new BodyReader(receiving().receive, 100, -1)
    await expect(before.bytes()).rejects.toMatchObject({
      code: 'TSGI_PROTOCOL_ERR_CLIENT_DISCONNECTED',
    })
  })

  test('bytes() while the body is being streamed is refused; after a kept stream it is the cache', async () => {
    const reader = new BodyReader(receiving(chunk('ab', true), chunk('cd', false)).receive, 100, -1)
    const stream = reader.stream()
    await stream.next()
    await expect(reader.bytes()).rejects.toThrow(/already being read/)
    for await (const _ of { [Symbol.asyncIterator]: () => stream }) {
    }
    expect(Buffer.from(await reader.bytes()).toString()).toBe('abcd')
  })
})

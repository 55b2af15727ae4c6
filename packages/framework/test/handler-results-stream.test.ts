/**
 * A web `Response` with a streamed body (issue 12, item 1): the body is read only as fast as the
 * client takes it (one awaited `send()` per chunk), and its reader is cancelled when the client
 * leaves. In memory and over a socket.
 */
import type { Application } from '@tsgi/protocol'
import { expect, test } from 'vitest'
import { createApp } from '../src/index.ts'
import { describeBoth } from './both.ts'
import { DEADLINE, openStream, turn, waitFor } from './middleware-helpers.ts'

const CHUNK = 64 * 1024
const CHUNKS = 2000 // 125 MiB: far more than any socket buffers, so only backpressure stops it

const state = { app: null as Application | null, pulls: 0, cancelled: false }

function makeApp(): Application {
  const app = createApp()
  app.get('/big', () => {
    state.pulls = 0
    state.cancelled = false
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          state.pulls++
          if (state.pulls > CHUNKS) controller.close()
          else controller.enqueue(new Uint8Array(CHUNK).fill(97))
        },
        cancel() {
          state.cancelled = true
        },
      },
      { highWaterMark: 0 },
    )
    return new Response(body, { headers: { 'content-type': 'application/octet-stream' } })
  })
  state.app = app
  return app
}

/** Resolves once `state.pulls` stopped moving for many event-loop turns (the producer waits). */
async function stalled(): Promise<number> {
  const deadline = Date.now() + DEADLINE
  for (;;) {
    const before = state.pulls
    for (let i = 0; i < 50; i++) await turn()
    if (state.pulls === before) return before
    if (Date.now() > deadline) throw new Error('the producer never waited')
  }
}

describeBoth('a streamed web Response', makeApp, (client) => {
  test('is read as the client reads (backpressure), and cancelled when it leaves', async () => {
    const res = await openStream(client(), state.app!, '/big')
    expect(res.status).toBe(200)
    const first = await res.next()
    expect(first?.byteLength).toBeGreaterThan(0)
    const pulled = await stalled()
    // Without one awaited send per chunk the whole 125 MiB would have been pulled by now.
    expect(pulled).toBeLessThan(CHUNKS / 2)
    expect(state.cancelled).toBe(false)
    res.abort()
    await waitFor(() => state.cancelled)
    expect(state.pulls).toBeLessThan(CHUNKS / 2)
  })
})

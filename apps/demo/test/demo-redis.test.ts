/** With REDIS_URL, a job in flight when the demo is SIGKILLed completes after a restart. */
import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { request } from 'undici'
import { describe, expect, test } from 'vitest'
import { startDemo, until } from './demo-process.ts'

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
/** How long Redis may take to answer PING before it counts as absent. */
const PING_TIMEOUT_MS = 5000
const redisUp = await new Promise<boolean>((resolve) => {
  const u = new URL(redisUrl)
  const s = connect(Number(u.port || 6379), u.hostname)
  // Generous: on a loaded machine a slow answer must not turn into a skipped test.
  s.setTimeout(PING_TIMEOUT_MS, () => resolve(false))
  s.on('error', () => resolve(false))
  s.on('connect', () => s.write('PING\r\n'))
  s.on('data', (d) => {
    s.destroy()
    resolve(d.toString().startsWith('+PONG'))
  })
})
if (!redisUp && process.env.TSGI_REQUIRE_REDIS === '1')
  throw new Error(`Redis is required and does not answer at ${redisUrl}`)
if (!redisUp) console.warn(`skipping the demo's Redis test: Redis does not answer at ${redisUrl}`)

describe.skipIf(!redisUp)('the demo on Redis', () => {
  test('a job in flight survives a SIGKILL of the demo', { timeout: 60_000 }, async () => {
    const env = { REDIS_URL: redisUrl, DEMO_QUEUE: `demo-${randomUUID()}` }
    const first = await startDemo(env)
    const res = await request(`${first.url}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'survivor', sleepMs: 1500 }),
    })
    const { id } = (await res.body.json()) as { id: string }
    const state = async (url: string) =>
      (await (await request(`${url}/jobs/${id}`)).body.json()) as {
        state: string
        attempts: number
      }
    await until(async () => (await state(first.url)).state === 'active')
    first.child.kill('SIGKILL')
    await first.stop()
    const second = await startDemo(env)
    let last = { state: '', attempts: 0 }
    await until(async () => {
      last = await state(second.url)
      return last.state === 'completed'
    }, 40_000).catch(() => {}) // the expect below says which state it was stuck in
    expect(last).toEqual({ id, state: 'completed', attempts: 2 })
    expect(await second.stop()).toBe(0)
  })
})

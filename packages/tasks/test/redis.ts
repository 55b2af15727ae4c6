/**
 * Whether Redis answers at REDIS_URL (default 127.0.0.1:6379). Tests that need it skip with a
 * one-line reason when it does not — unless TSGI_REQUIRE_REDIS=1 (CI), where they must run.
 */
import { connect } from 'node:net'

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** How long Redis may take to answer PING before it counts as absent. */
const PING_TIMEOUT_MS = 5000

async function ping(): Promise<boolean> {
  const u = new URL(redisUrl)
  return new Promise((resolve) => {
    const socket = connect(Number(u.port || 6379), u.hostname || '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    // Generous: on a loaded machine a slow answer must not turn into skipped tests.
    socket.setTimeout(PING_TIMEOUT_MS, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')))
  })
}

export const redisUp = await ping()
export const required = process.env.TSGI_REQUIRE_REDIS === '1'
if (!redisUp && required)
  throw new Error(`TSGI_REQUIRE_REDIS=1 but Redis does not answer at ${redisUrl}`)
if (!redisUp) console.warn(`skipping the BullMQ tests: Redis does not answer at ${redisUrl}`)

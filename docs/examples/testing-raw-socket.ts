import { once } from 'node:events'
import { connect } from 'node:net'
import { createApp } from '@tsgi/framework'
import { type Logger, serve } from '@tsgi/server'

// Input no HTTP client would send (fetch and undici refuse to): write the bytes yourself.
const app = createApp()
app.get('/', () => ({ ok: true }))

/** Sends `bytes` on a fresh connection and resolves with all the server wrote back. */
async function raw(port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  let answer = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    answer += chunk
  })
  socket.end(bytes) // our half closes; the server answers, then closes its half
  await once(socket, 'close')
  return answer
}

export async function main(): Promise<unknown> {
  const warnings: string[] = []
  const logger: Logger = {
    enabled: (level) => level !== 'debug',
    error: () => {},
    warn: (line) => warnings.push(line),
    info: () => {},
    debug: () => {},
    access: () => {},
  }
  await using server = await serve(app, { port: 0, logger })
  const answer = await raw(Number(new URL(server.url).port), 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n')
  return { status: answer.split('\r\n', 1)[0], warned: warnings.length }
}

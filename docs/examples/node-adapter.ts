import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp } from '@tsgi/framework'
import { createRequestListener } from '@tsgi/server'

// A TSGI app inside an existing node:http server (or under Express: app.use('/api', listener)).
const app = createApp()
app.get('/status', () => ({ ok: true }))

export async function main(): Promise<unknown> {
  const server = createServer(createRequestListener(app))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    return await (await fetch(`http://127.0.0.1:${port}/status`)).json() // { ok: true }
  } finally {
    server.close()
  }
}

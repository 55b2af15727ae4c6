import { fromFetch, toFetch } from '@tsgi/adapters/fetch'
import { serve } from '@tsgi/server'
import { Hono } from 'hono'

// A hono app served by the tsgi server, and the same TSGI app back as a fetch handler (what
// Bun.serve, Deno.serve and Workers take).
const hono = new Hono()
hono.get('/users/:id', (c) => c.json({ id: c.req.param('id') }))

export const app = fromFetch(hono)

export async function main(): Promise<unknown> {
  const server = await serve(app, { port: 0, accessLog: false })
  try {
    const overSocket = await (await fetch(`${server.url}/users/7`)).json()
    const handler = toFetch(app)
    const direct = await (await handler.fetch(new Request('http://x/users/8'))).json()
    await handler.close()
    return { overSocket, direct }
  } finally {
    await server.close()
  }
}

import { createApp, json } from '@tsgi/framework'
import { serve } from '@tsgi/server'
import { z } from 'zod'

// The same kind of service with the framework: routing, validation, typed params and body.
export const app = createApp()

app.get('/hello/:name', (req) => ({ hello: req.params.name }))

const Item = z.object({ name: z.string().min(1), price: z.number().positive() })
app.post('/items', { body: Item }, (req) =>
  json({ created: req.body.name, price: req.body.price }, { status: 201 }),
)

export async function main(): Promise<unknown> {
  // In memory, no socket: the framework's test helper drives the app through the protocol.
  const inMemory = await app.request('/hello/ada')
  // Over a real socket, on the reference server.
  const server = await serve(app, { port: 0, accessLog: false })
  try {
    const res = await fetch(`${server.url}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lamp', price: 12.5 }),
    })
    const invalid = await fetch(`${server.url}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', price: -1 }),
    })
    return { hello: inMemory.json(), created: res.status, invalid: invalid.status }
  } finally {
    await server.close()
  }
}

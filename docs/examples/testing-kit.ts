import { createApp } from '@tsgi/framework'
import { openClient } from '@tsgi/framework/testing'

// The same request in memory and over a real socket through the reference server: what
// `createDescribeBoth` does for every test of a suite.
const app = createApp()
app.get('/users/:id', (req) => ({ id: req.params.id }))

export async function main(): Promise<unknown> {
  const seen: Record<string, unknown> = {}
  for (const transport of ['memory', 'socket'] as const) {
    await using client = await openClient(app, transport)
    const res = await client.request('/users/1')
    seen[transport] = { status: res.status, body: res.json() }
  }
  return seen
}

import { fromNodeListener } from '@tsgi/adapters/node'
import { serve } from '@tsgi/server'
import express from 'express'

// An Express app, unchanged, served by the tsgi server through the TSGI contract.
const legacy = express()
legacy.use(express.json())
legacy.post('/echo', (req, res) => {
  res.cookie('a', '1')
  res.cookie('b', '2')
  res.json({ echoed: req.body })
})

export const app = fromNodeListener(legacy)

export async function main(): Promise<unknown> {
  const server = await serve(app, { port: 0, accessLog: false })
  try {
    const res = await fetch(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1 }),
    })
    return { body: await res.json(), cookies: res.headers.getSetCookie().length }
  } finally {
    await server.close()
  }
}

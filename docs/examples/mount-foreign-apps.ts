import { fromFetch } from '@tsgi/adapters/fetch'
import { fromNodeListener } from '@tsgi/adapters/node'
import { createApp } from '@tsgi/framework'
import { serve } from '@tsgi/server'
import express from 'express'
import { Hono } from 'hono'

// An Express app and a hono app mounted in a framework app, one prefix each.
const legacy = express()
legacy.get('/users', (req, res) => res.json({ url: req.url, baseUrl: req.baseUrl }))

const hono = new Hono().basePath('/hono') // the mount path: hono sees the full URL
hono.get('/hello', (c) => c.json({ hello: 'hono' }))

export const app = createApp()
app.get('/', () => ({ served: 'by the framework' }))
app.mount('/legacy', fromNodeListener(legacy))
app.mount('/hono', fromFetch(hono))

export async function main(): Promise<unknown> {
  const server = await serve(app, { port: 0, accessLog: false })
  try {
    const get = async (path: string) => (await fetch(`${server.url}${path}`)).json()
    return {
      root: await get('/'),
      legacy: await get('/legacy/users'),
      hono: await get('/hono/hello'),
    }
  } finally {
    await server.close()
  }
}

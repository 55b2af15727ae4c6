import { fromNodeListener } from '@tsgi/adapters/node'
import { serve } from '@tsgi/server'
import Fastify from 'fastify'
import Koa from 'koa'

// A Koa app through its callback(), and a fastify app through its routing function.
const koa = new Koa()
koa.use((ctx) => {
  ctx.body = { from: 'koa', path: ctx.path }
})

const fastify = Fastify()
fastify.get('/hi', async () => ({ from: 'fastify' }))

export async function main(): Promise<unknown> {
  await fastify.ready() // routes are compiled at ready(); `fastify.server` works too
  const koaServer = await serve(fromNodeListener(koa.callback()), { port: 0, accessLog: false })
  const fastifyServer = await serve(fromNodeListener(fastify.routing), {
    port: 0,
    accessLog: false,
  })
  try {
    const koaAnswer = await (await fetch(`${koaServer.url}/k`)).json()
    const fastifyAnswer = await (await fetch(`${fastifyServer.url}/hi`)).json()
    return { koa: koaAnswer, fastify: fastifyAnswer }
  } finally {
    await Promise.all([koaServer.close(), fastifyServer.close(), fastify.close()])
  }
}

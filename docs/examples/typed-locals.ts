import { createApp, createMiddleware, Router, UnauthorizedError } from '@tsgi/framework'
import { serve } from '@tsgi/server'

interface User {
  id: string
  admin: boolean
}

// A middleware that declares what it adds: handlers after it see `req.locals.user: User`.
const auth = createMiddleware<{ user: User }>((req, next) => {
  const token = req.headers.get('authorization')
  if (token !== 'Bearer ada') throw new UnauthorizedError('a token, please')
  req.locals.user = { id: 'ada', admin: true }
  return next()
})

export const app = createApp()

// Per route: the route's own middleware type its handler.
app.get('/me', { middleware: [auth] }, (req) => ({ id: req.locals.user.id }))

// Per router: use() returns the router typed with the locals; register on what it returns.
const admin = new Router({ prefix: '/admin' }).use(auth)
admin.get('/whoami', (req) => ({ admin: req.locals.user.admin }))
app.include(admin)

export async function main(): Promise<unknown> {
  const me = await app.request('/me', { headers: { authorization: 'Bearer ada' } })
  const server = await serve(app, { port: 0, accessLog: false })
  try {
    const whoami = await fetch(`${server.url}/admin/whoami`, {
      headers: { authorization: 'Bearer ada' },
    })
    const anonymous = await fetch(`${server.url}/admin/whoami`)
    return { me: me.json(), whoami: await whoami.json(), anonymous: anonymous.status }
  } finally {
    await server.close()
  }
}

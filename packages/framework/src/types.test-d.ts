/** Type-level tests: params from the path, schema-validated body and query, typed state and locals. */
import { expectTypeOf, test } from 'vitest'
import { z } from 'zod'
import { createApp, Router } from './index.ts'
import { createMiddleware, type Middleware } from './middleware.ts'

test('params are inferred from the path pattern', () => {
  const app = createApp()
  app.get('/users/:id/posts/:postId', (req) => {
    expectTypeOf(req.params).toEqualTypeOf<{ id: string; postId: string }>()
  })
  app.get('/files/*rest', (req) => {
    expectTypeOf(req.params).toEqualTypeOf<{ rest: string }>()
  })
})

test('schemas type the body, the query and the params', () => {
  const app = createApp()
  app.post(
    '/items/:id',
    {
      params: z.object({ id: z.number() }),
      query: z.object({ draft: z.boolean().optional() }),
      body: z.object({ name: z.string(), price: z.number() }),
    },
    (req) => {
      expectTypeOf(req.params.id).toEqualTypeOf<number>()
      expectTypeOf(req.query.draft).toEqualTypeOf<boolean | undefined>()
      expectTypeOf(req.body).toEqualTypeOf<{ name: string; price: number }>()
    },
  )
})

test('lifespan state is typed in hooks and handlers', () => {
  interface State {
    [key: string]: unknown
    db: { query(sql: string): Promise<unknown[]> }
  }
  const app = createApp<State>()
  app.onStartup((state) => {
    expectTypeOf(state.db).toEqualTypeOf<State['db']>()
  })
  app.get('/', (req) => {
    expectTypeOf(req.state.db.query).returns.toEqualTypeOf<Promise<unknown[]>>()
  })
})

interface User {
  id: string
  admin: boolean
}
const auth = createMiddleware<{ user: User }>((req, next) => {
  // Inside, what it adds is not set yet: optional.
  expectTypeOf(req.locals.user).toEqualTypeOf<User | undefined>()
  req.locals.user = { id: 'u1', admin: false }
  return next()
})
const db = createMiddleware<{ db: { get(key: string): string } }>((req, next) => {
  req.locals.db = { get: (key) => key }
  return next()
})

test("a route's middleware types the locals its handler sees", () => {
  const app = createApp()
  app.get('/me', { middleware: [auth] }, (req) => {
    expectTypeOf(req.locals.user).toEqualTypeOf<User>()
  })
  app.post('/both', { middleware: [auth, db], body: z.object({ n: z.number() }) }, (req) => {
    expectTypeOf(req.locals.user.id).toEqualTypeOf<string>()
    expectTypeOf(req.locals.db.get).returns.toEqualTypeOf<string>()
    expectTypeOf(req.body.n).toEqualTypeOf<number>()
  })
  app.ws('/live', { middleware: [auth] }, (_socket, req) => {
    expectTypeOf(req.locals.user).toEqualTypeOf<User>()
  })
  // Without the middleware nothing is promised: a plain record of unknown values.
  app.get('/anon', (req) => {
    expectTypeOf(req.locals.user).toEqualTypeOf<unknown>()
  })
})

test("use() returns the router typed with the middleware's locals", () => {
  const router = new Router({ prefix: '/admin' })
  const authed = router.use(auth)
  authed.get('/me', (req) => {
    expectTypeOf(req.locals.user).toEqualTypeOf<User>()
  })
  authed.use(db).group('/db', (r) => {
    r.get('/', (req) => {
      expectTypeOf(req.locals.user).toEqualTypeOf<User>()
      expectTypeOf(req.locals.db.get).parameter(0).toEqualTypeOf<string>()
    })
  })
  // Middleware that declare nothing keep the router's own type (an app stays an App).
  const app = createApp()
  expectTypeOf(app.use((_req, next) => next())).toEqualTypeOf(app)
  app.include(router)
})

test('a middleware with declared locals is still a middleware', () => {
  expectTypeOf(auth).toExtend<Middleware>()
  const app = createApp<{ [key: string]: unknown; count: number }>()
  app.use(auth).get('/', (req) => {
    expectTypeOf(req.state.count).toEqualTypeOf<number>()
    expectTypeOf(req.locals.user.admin).toEqualTypeOf<boolean>()
  })
  // @ts-expect-error a route middleware must be a function of (req, next)
  app.get('/bad', { middleware: [42] }, () => null)
})

/** Type-level tests: params from the path, schema-validated body and query, typed state. */
import { expectTypeOf, test } from 'vitest'
import { z } from 'zod'
import { createApp } from './index.ts'

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

/** Validation through Standard Schema: zod, valibot and arktype, with coercion and precise 422s. */
import { type } from 'arktype'
import * as v from 'valibot'
import { expect, test } from 'vitest'
import { z } from 'zod'
import { createApp } from '../src/index.ts'
import { describeBoth } from './both.ts'

function makeApp() {
  const app = createApp()
  app.get(
    '/zod/:id',
    {
      params: z.object({ id: z.number().int() }),
      query: z.object({ page: z.number().default(1), on: z.boolean().optional() }),
    },
    (req) => ({
      id: req.params.id,
      page: req.query.page,
      on: req.query.on ?? null,
    }),
  )
  app.post(
    '/valibot',
    { body: v.object({ name: v.pipe(v.string(), v.minLength(1)), tags: v.array(v.string()) }) },
    (req) => ({
      name: req.body.name,
      tags: req.body.tags.length,
    }),
  )
  app.post(
    '/arktype',
    { body: type({ email: 'string.email', age: 'number.integer >= 0' }) },
    (req) => req.body,
  )
  app.get('/extract', { query: (raw: string) => raw.split(',').map(Number) }, (req) => ({
    sum: (req.query as number[]).reduce((a, b) => a + b, 0),
  }))
  return app
}

describeBoth('validation', makeApp, (client) => {
  test('zod: params and query coerced from strings', async () => {
    expect((await client().request('/zod/7?page=3&on=true')).json()).toEqual({
      id: 7,
      page: 3,
      on: true,
    })
    expect((await client().request('/zod/7')).json()).toEqual({ id: 7, page: 1, on: null })
  })

  test('422 problem+json naming each failing field', async () => {
    const res = await client().request('/zod/x?page=y')
    expect(res.status).toBe(422)
    expect(res.header('content-type')).toBe('application/problem+json')
    const body = res.json<{ code: string; errors: Array<{ path: string; message: string }> }>()
    expect(body.code).toBe('TSGI_FW_VALIDATION')
    expect(body.errors.map((e) => e.path)).toContain('params.id')
  })

  test('valibot body', async () => {
    expect(
      (
        await client().request('/valibot', {
          method: 'POST',
          json: { name: 'a', tags: ['x', 'y'] },
        })
      ).json(),
    ).toEqual({ name: 'a', tags: 2 })
    const bad = await client().request('/valibot', {
      method: 'POST',
      json: { name: '', tags: 'no' },
    })
    expect(bad.status).toBe(422)
    expect(
      bad
        .json<{ errors: Array<{ path: string }> }>()
        .errors.map((e) => e.path)
        .sort(),
    ).toEqual(['body.name', 'body.tags'])
  })

  test('arktype body', async () => {
    expect(
      (
        await client().request('/arktype', { method: 'POST', json: { email: 'a@b.co', age: 3 } })
      ).json(),
    ).toEqual({ email: 'a@b.co', age: 3 })
    const bad = await client().request('/arktype', {
      method: 'POST',
      json: { email: 'nope', age: -1 },
    })
    expect(bad.status).toBe(422)
    expect(
      bad
        .json<{ errors: Array<{ path: string }> }>()
        .errors.map((e) => e.path)
        .sort(),
    ).toEqual(['body.age', 'body.email'])
  })

  test('a JSON body schema refuses another content type with 415', async () => {
    const res = await client().request('/valibot', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    })
    expect(res.status).toBe(415)
  })

  test('custom extractors', async () => {
    expect((await client().request('/extract?1,2,3')).json()).toEqual({ sum: 6 })
  })
})

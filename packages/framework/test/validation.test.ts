/** Validation through Standard Schema: zod, valibot and arktype, with coercion and precise 422s. */
import type { StandardSchemaV1 } from '@standard-schema/spec'
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
  app.get('/async/:id', { params: asyncSchema('id', 'number') }, (req) => ({ id: req.params.id }))
  app.post('/async-body', { body: asyncSchema('name', 'string') }, (req) => req.body)
  app.get(
    '/mixed/:id',
    { params: z.object({ id: z.number() }), query: async (raw: string) => raw.length },
    (req) => ({ id: req.params.id, query: req.query }),
  )
  app.post('/extract-body', { body: (bytes: Uint8Array) => bytes.byteLength }, (req) => ({
    length: req.body,
  }))
  app.post(
    '/extract-body-async',
    { body: async (bytes: Uint8Array) => Buffer.from(bytes).toString().toUpperCase() },
    (req) => ({ upper: req.body }),
  )
  return app
}

/** A Standard Schema that validates asynchronously: `{ [key]: <type> }`. */
function asyncSchema<K extends string, T extends 'number' | 'string'>(
  key: K,
  kind: T,
): StandardSchemaV1<unknown, Record<K, T extends 'number' ? number : string>> {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value) => {
        await new Promise((r) => setTimeout(r, 1))
        const v = (value as Record<string, unknown> | undefined)?.[key]
        return typeof v === kind
          ? { value: { [key]: v } as Record<K, T extends 'number' ? number : string> }
          : { issues: [{ message: `expected a ${kind}`, path: [key] }] }
      },
    },
  }
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
    expect(body.code).toBe('TSGI_FW_ERR_VALIDATION')
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

  test('an asynchronous schema: coerced params, and a 422 naming the field', async () => {
    expect((await client().request('/async/41')).json()).toEqual({ id: 41 })
    const bad = await client().request('/async/x')
    expect(bad.status).toBe(422)
    expect(bad.json<{ errors: Array<{ path: string }> }>().errors.map((e) => e.path)).toEqual([
      'params.id',
    ])
  })

  test('an asynchronous body schema', async () => {
    const ok = await client().request('/async-body', { method: 'POST', json: { name: 'lamp' } })
    expect(ok.json()).toEqual({ name: 'lamp' })
    const bad = await client().request('/async-body', { method: 'POST', json: { name: 3 } })
    expect(bad.status).toBe(422)
    expect(bad.json<{ errors: Array<{ path: string }> }>().errors.map((e) => e.path)).toEqual([
      'body.name',
    ])
  })

  test('a synchronous schema followed by an asynchronous extractor', async () => {
    expect((await client().request('/mixed/5?abc')).json()).toEqual({ id: 5, query: 3 })
    expect((await client().request('/mixed/five?abc')).status).toBe(422)
  })

  test('body extractors, synchronous and asynchronous, get the raw bytes', async () => {
    const sync = await client().request('/extract-body', { method: 'POST', body: 'hello' })
    expect(sync.json()).toEqual({ length: 5 })
    const later = await client().request('/extract-body-async', { method: 'POST', body: 'hi' })
    expect(later.json()).toEqual({ upper: 'HI' })
  })
})

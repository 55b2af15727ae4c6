/**
 * Every schema runs exactly once per request (issue 12, item 3): an asynchronous schema's own
 * promise is used, never a second call for the same input, so an async `refine` with a side
 * effect (a database lookup) runs as often as one direct validation runs it, and a rejecting
 * schema reaches the error handler instead of becoming an unhandled rejection.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { type } from 'arktype'
import * as v from 'valibot'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { z } from 'zod'
import { createApp } from '../src/index.ts'
import { describeBoth } from './both.ts'
import { describeWsBoth } from './pipeline-ws-helpers.ts'

/** Calls per counter name, reset before each test. */
const calls = new Map<string, number>()
const bump = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1)
const count = (name: string) => calls.get(name) ?? 0

/** The same schema, counting its `~standard.validate` calls (and the inputs they got). */
function counted<S extends StandardSchemaV1>(name: string, schema: S, inputs?: string[]): S {
  const standard = schema['~standard']
  const validate = (value: unknown) => {
    bump(`${name}:validate`)
    inputs?.push(JSON.stringify(value))
    return standard.validate(value)
  }
  return { '~standard': { ...standard, validate } } as unknown as S
}

type Location = 'params' | 'query' | 'headers' | 'body'
/** The key each location's schema checks, and the value the request sends for it. */
const KEY: Record<Location, string> = {
  params: 'id',
  query: 'name',
  headers: 'x-name',
  body: 'name',
}

/** Schemas `{ [key]: string }` with an asynchronous check that counts (`<name>:check`). */
const LIBRARIES = {
  zod: (name: string, key: string) =>
    z.object({ [key]: z.string() }).refine(async () => {
      bump(`${name}:check`)
      return true
    }),
  valibot: (name: string, key: string) =>
    v.pipeAsync(
      v.object({ [key]: v.string() }),
      v.checkAsync(async () => {
        bump(`${name}:check`)
        return true
      }),
    ),
  // arktype has no asynchronous checks: its synchronous narrow must run once too.
  arktype: (name: string, key: string) =>
    type({ [key]: 'string' }).narrow(() => {
      bump(`${name}:check`)
      return true
    }),
  hand: (name: string, key: string): StandardSchemaV1 => ({
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value) => {
        bump(`${name}:check`)
        const got = (value as Record<string, unknown>)[key]
        return typeof got === 'string'
          ? { value: { [key]: got } }
          : { issues: [{ message: 'expected a string', path: [key] }] }
      },
    },
  }),
} as const
type Library = keyof typeof LIBRARIES

const LOCATIONS = Object.keys(KEY) as Location[]
const CASES = (Object.keys(LIBRARIES) as Library[]).flatMap((library) =>
  LOCATIONS.map((location) => ({ library, location, name: `${library}-${location}` })),
)

/** What one direct `~standard.validate` call of the case's schema counts (zod checks twice). */
async function baseline(library: Library, location: Location): Promise<number> {
  const probe = `probe-${library}-${location}`
  const input =
    location === 'headers' ? { [KEY[location]]: 'lamp', host: 'x' } : { [KEY[location]]: 'lamp' }
  const result = await LIBRARIES[library](probe, KEY[location])['~standard'].validate(input)
  expect(result.issues).toBeUndefined()
  return count(`${probe}:check`)
}

/** The inputs the coercing zod params schema got, in order. */
const coercedInputs: string[] = []

function makeApp() {
  const app = createApp({ logger: { error() {} } })
  for (const { library, location, name } of CASES) {
    const schema = counted(name, LIBRARIES[library](name, KEY[location]))
    const path = `/${name}${location === 'params' ? '/:id' : ''}`
    const handler = () => ({ ok: true })
    if (location === 'body') app.post(path, { body: schema }, handler)
    else app.get(path, { [location]: schema }, handler)
  }
  // A schema that fails on the raw string and passes coerced: two inputs, each validated once.
  const coercing = z.object({ id: z.number() }).refine(async () => {
    bump('coerce:check')
    return true
  })
  app.get('/coerce/:id', { params: counted('coerce', coercing, coercedInputs) }, (req) => ({
    id: req.params.id,
  }))
  // Schemas whose promise rejects (a database down): a 500, no unhandled rejection.
  const down: StandardSchemaV1 = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: () => Promise.reject(new Error('db down')),
    },
  }
  app.get('/down/:id', { params: down }, () => ({ ok: true }))
  app.get('/down-query', { query: down }, () => ({ ok: true }))
  app.post('/down-body', { body: down }, () => ({ ok: true }))
  const valibotDown = v.pipeAsync(
    v.object({ name: v.string() }),
    v.checkAsync(async () => {
      throw new Error('db down')
    }),
  )
  app.post('/down-valibot', { body: valibotDown }, () => ({ ok: true }))
  return app
}

/** The request that passes the case's schema. */
function requestFor(name: string, location: Location) {
  switch (location) {
    case 'params':
      return { path: `/${name}/lamp`, init: {} }
    case 'query':
      return { path: `/${name}?name=lamp`, init: {} }
    case 'headers':
      return { path: `/${name}`, init: { headers: { 'x-name': 'lamp' } } }
    case 'body':
      return { path: `/${name}`, init: { method: 'POST', json: { name: 'lamp' } } }
  }
}

describeBoth('every schema runs once per request', makeApp, (client) => {
  beforeEach(() => calls.clear())

  test.each(CASES)('$library schema on $location', async ({ library, location, name }) => {
    const once = await baseline(library, location)
    const { path, init } = requestFor(name, location)
    const res = await client().request(path, init)
    expect(res.status, res.text()).toBe(200)
    expect(count(`${name}:validate`)).toBe(1)
    expect(count(`${name}:check`)).toBe(once)
  })

  test('coercion retries with the converted input, each input validated once', async () => {
    coercedInputs.length = 0
    const res = await client().request('/coerce/42')
    expect(res.json()).toEqual({ id: 42 })
    expect(coercedInputs).toEqual(['{"id":"42"}', '{"id":42}'])
  })

  test('a failing asynchronous schema answers its 422 after one call', async () => {
    const res = await client().request('/hand-body', { method: 'POST', json: { name: 3 } })
    expect(res.status).toBe(422)
    expect(res.json()).toMatchObject({ errors: [{ path: 'body.name' }] })
    expect(count('hand-body:validate')).toBe(1)
  })

  describe('a rejecting schema', () => {
    const unhandled: unknown[] = []
    const record = (reason: unknown) => unhandled.push(reason)
    beforeEach(() => {
      unhandled.length = 0
      process.on('unhandledRejection', record)
    })
    afterEach(() => {
      process.off('unhandledRejection', record)
    })

    test.each([
      ['/down/1', {}],
      ['/down-query?a=1', {}],
      ['/down-body', { method: 'POST', json: { name: 'lamp' } }],
      ['/down-valibot', { method: 'POST', json: { name: 'lamp' } }],
    ] as const)('%s: a 500, and no unhandled rejection', async (path, init) => {
      const res = await client().request(path, init)
      expect(res.status).toBe(500)
      // Node reports unhandled rejections once the microtasks drain: two macrotask turns later
      // any would have been recorded.
      await new Promise((resolve) => setImmediate(resolve))
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    })
  })
})

describeWsBoth(
  'a WebSocket route runs its schemas once',
  () => {
    const app = createApp({ logger: { error() {} } })
    const params = counted('ws-params', LIBRARIES.zod('ws-params', 'id'))
    const query = counted('ws-query', LIBRARIES.valibot('ws-query', 'name'))
    app.ws('/ws/:id', { params, query }, async (socket) => {
      await socket.accept()
      await socket.send('open')
      await socket.close()
    })
    return app
  },
  (client) => {
    beforeEach(() => calls.clear())

    test('async params and query schemas: one call each', async () => {
      const zodOnce = await baseline('zod', 'params')
      const valibotOnce = await baseline('valibot', 'query')
      const hs = await client().connect('/ws/lamp?name=lamp')
      expect(hs.denied).toBe(false)
      if (hs.denied) return
      expect(await hs.message()).toBe('open')
      expect(count('ws-params:validate')).toBe(1)
      expect(count('ws-params:check')).toBe(zodOnce)
      expect(count('ws-query:validate')).toBe(1)
      expect(count('ws-query:check')).toBe(valibotOnce)
    })
  },
)

import { expect, test } from 'vitest'
import { createApp } from '../src/index.ts'
import { getRequestId, isSafeRequestId, requestId } from '../src/middleware/index.ts'
import { describeBoth } from './both.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describeBoth(
  'requestId',
  () => {
    const app = createApp()
    app.use(requestId())
    app.get('/', (req) => ({ locals: req.locals.requestId, helper: getRequestId(req) }))
    const custom = createApp()
    custom.use(requestId({ header: 'X-Trace-Id', trustIncoming: false, generate: () => 'fixed-1' }))
    custom.get('/', (req) => `${req.locals.requestId}`)
    app.mount('/custom', custom)
    return app
  },
  (client) => {
    test('generates a UUID when none is sent; handler and response header agree', async () => {
      const res = await client().request('/')
      const id = res.header('x-request-id')
      expect(id).toMatch(UUID)
      expect(res.json()).toEqual({ locals: id, helper: id })
      const again = await client().request('/')
      expect(again.header('x-request-id')).not.toBe(id)
    })

    test('reuses a safe incoming id', async () => {
      const incoming = 'req-7f3a:upstream/01'
      const res = await client().request('/', { headers: { 'x-request-id': incoming } })
      expect(res.header('x-request-id')).toBe(incoming)
      expect(res.json()).toEqual({ locals: incoming, helper: incoming })
      const longest = 'a'.repeat(200)
      const ok = await client().request('/', { headers: { 'x-request-id': longest } })
      expect(ok.header('x-request-id')).toBe(longest)
    })

    test('replaces an unsafe incoming id: spaces, too long', async () => {
      for (const unsafe of ['two words', 'a'.repeat(201), 'tab\there']) {
        const res = await client().request('/', { headers: { 'x-request-id': unsafe } })
        expect(res.header('x-request-id')).toMatch(UUID)
      }
    })

    test('the id is on error responses too (404)', async () => {
      const res = await client().request('/missing', { headers: { 'x-request-id': 'err-1' } })
      expect([res.status, res.header('x-request-id')]).toEqual([404, 'err-1'])
    })

    test('custom header, generator, and incoming ids ignored when not trusted', async () => {
      const res = await client().request('/custom', { headers: { 'x-trace-id': 'from-client' } })
      expect([res.text(), res.header('x-trace-id'), res.header('x-request-id')]).toEqual([
        'fixed-1',
        'fixed-1',
        undefined,
      ])
    })
  },
)

test('isSafeRequestId: 1 to 200 visible ASCII characters', () => {
  expect(isSafeRequestId('abc-123_~!')).toBe(true)
  expect(isSafeRequestId('')).toBe(false)
  expect(isSafeRequestId('x'.repeat(201))).toBe(false)
  expect(isSafeRequestId('é')).toBe(false)
  expect(isSafeRequestId('a\nb')).toBe(false)
})

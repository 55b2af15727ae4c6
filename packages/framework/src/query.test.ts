/** parseQuery, property-based: what goes in as URLSearchParams comes out, predictably. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { parseQuery } from './query.ts'

describe('parseQuery', () => {
  test('round trip: any keys and values encoded by URLSearchParams parse back, repeats as arrays', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1 }), fc.string()), { maxLength: 8 }),
        (pairs) => {
          const qs = new URLSearchParams(pairs).toString()
          const expected: Record<string, string | string[]> = Object.create(null)
          for (const [k, v] of pairs) {
            const prev = expected[k]
            expected[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
          }
          expect({ ...parseQuery(qs) }).toEqual({ ...expected })
        },
      ),
    )
  })

  test('never throws, and agrees with the WHATWG URL parser on any input', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const out = parseQuery(raw)
        const expected: Record<string, string | string[]> = Object.create(null)
        // The leading '&' stops URLSearchParams from stripping a '?': a query string has none.
        for (const [k, v] of new URLSearchParams(`&${raw}`)) {
          const prev = expected[k]
          expected[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
        }
        expect({ ...out }).toEqual({ ...expected })
      }),
      { numRuns: 2000 },
    )
    // Invalid UTF-8 becomes U+FFFD; a broken escape is kept as text.
    expect(parseQuery('a=%E0%A4%A&b=%ZZ')).toEqual({ a: '\uFFFD%A', b: '%ZZ' })
  })

  test('+ is a space, a bare key is "", empty pairs are skipped', () => {
    expect(parseQuery('q=a+b&flag&&x=')).toEqual({ q: 'a b', flag: '', x: '' })
    expect(parseQuery('')).toEqual({})
  })

  test('keys like __proto__ cannot pollute', () => {
    const out = parseQuery('__proto__=x&constructor=y')
    expect(Object.getPrototypeOf(out)).toBe(null)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})

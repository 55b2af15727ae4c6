/**
 * Query strings: `a=1&a=2&b=x+y&flag` → `{ a: ['1', '2'], b: 'x y', flag: '' }`.
 *
 * Rules (property-tested): pairs split on `&`; a pair splits at its first `=` (later `=` belong
 * to the value); a pair without `=` is a key with value `''`; empty pairs are skipped; `+` is a
 * space; percent escapes are decoded as UTF-8, invalid ones are kept literally; a repeated key
 * collects its values in an array, in order. The result has no prototype, so keys such as
 * `__proto__` are plain data.
 *
 * @module
 */

/** A parsed query: single values as strings, repeated keys as arrays. */
export type Query = Record<string, string | string[]>

const ESCAPES = /((?:%[0-9A-Fa-f]{2})+)/
const utf8 = new TextDecoder()

/**
 * Decodes one component: `+` as space, percent escapes as UTF-8. Malformed escapes (`%zz`, a
 * trailing `%`) are kept literally; escapes that are not valid UTF-8 become U+FFFD.
 */
export function decodeComponent(raw: string): string {
  const plus = raw.includes('+') ? raw.replaceAll('+', ' ') : raw
  if (!plus.includes('%')) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    // Split into literal text and runs of escapes; decode each run as bytes.
    return plus
      .split(ESCAPES)
      .map((part, i) =>
        i % 2 === 1
          ? utf8.decode(Uint8Array.from(part.slice(1).split('%'), (h) => Number.parseInt(h, 16)))
          : part,
      )
      .join('')
  }
}

/** Parses a raw query string (without `?`). */
export function parseQuery(raw: string): Query {
  const out = Object.create(null) as Query
  if (raw === '') return out
  for (const pair of raw.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq))
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1))
    const existing = out[key]
    if (existing === undefined) out[key] = value
    else if (typeof existing === 'string') out[key] = [existing, value]
    else existing.push(value)
  }
  return out
}

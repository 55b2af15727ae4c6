/**
 * Helpers over {@link HeaderList}, for servers and frameworks alike. Name comparison is
 * case-insensitive; request scopes already carry lowercase names, so lookups there are exact.
 *
 * @module
 */
import type { HeaderList } from './common.ts'

/** The first value of header `name`, or `undefined` when absent. */
export function getHeader(headers: HeaderList, name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!
    if (pair[0] === wanted || pair[0].toLowerCase() === wanted) return pair[1]
  }
  return undefined
}

/** Every value of header `name`, in order (an empty array when absent). */
export function getHeaderValues(headers: HeaderList, name: string): string[] {
  const wanted = name.toLowerCase()
  const values: string[] = []
  for (const [key, value] of headers) {
    if (key === wanted || key.toLowerCase() === wanted) values.push(value)
  }
  return values
}

/** Whether header `name` is present at least once. */
export function hasHeader(headers: HeaderList, name: string): boolean {
  return getHeader(headers, name) !== undefined
}

/**
 * Splits a list-valued header (RFC 9110 §5.6.1) into its elements: commas inside quoted
 * strings do not split, surrounding whitespace is trimmed, and empty elements are dropped.
 * Pass several values (duplicate headers) to get one combined list. Not for `set-cookie`,
 * whose values contain commas and are never combined.
 */
export function splitHeaderList(values: string | readonly string[]): string[] {
  const out: string[] = []
  for (const value of typeof values === 'string' ? [values] : values) {
    let start = 0
    let quoted = false
    for (let i = 0; i <= value.length; i++) {
      const c = value[i]
      if (quoted) {
        if (c === '\\') i++
        else if (c === '"') quoted = false
      } else if (c === '"') {
        quoted = true
      } else if (c === ',' || c === undefined) {
        const element = value.slice(start, i).trim()
        if (element) out.push(element)
        start = i + 1
      }
    }
  }
  return out
}

/** Header input accepted by {@link toHeaderList}. */
export type HeaderInit =
  | HeaderList
  | Iterable<readonly [string, string]>
  | Record<string, string | number | readonly string[] | undefined>

/**
 * Builds a {@link HeaderList} from a list of pairs or a record (array values become repeated
 * headers, `undefined` values are skipped). Names are lowercased when `lowercase` is true.
 */
export function toHeaderList(init: HeaderInit | undefined, lowercase = false): HeaderList {
  const out: HeaderList = []
  if (!init) return out
  const name = (n: string) => (lowercase ? n.toLowerCase() : n)
  if (Symbol.iterator in init) {
    for (const [n, v] of init as Iterable<readonly [string, string]>) out.push([name(n), v])
    return out
  }
  for (const [n, v] of Object.entries(init)) {
    if (v === undefined) continue
    if (Array.isArray(v)) for (const item of v) out.push([name(n), String(item)])
    else out.push([name(n), String(v)])
  }
  return out
}

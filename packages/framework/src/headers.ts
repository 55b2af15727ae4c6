/**
 * Response headers: case-insensitive, multi-valued (each `set-cookie` stays its own line),
 * in insertion order. Request headers are read through {@link RequestHeaders}.
 *
 * @module
 */
import { getHeader, getHeaderValues, type HeaderList } from '@tsgi/protocol'

/** Header input: a record (arrays repeat the header), pairs, or another headers object. */
export type HeadersInit =
  | Record<string, string | number | readonly string[]>
  | ReadonlyArray<readonly [string, string]>
  | ResponseHeaders

/** Mutable, case-insensitive response headers. */
export class ResponseHeaders implements Iterable<[string, string]> {
  /** The pairs, names lowercased. */
  readonly list: HeaderList

  constructor(init?: HeadersInit) {
    if (init === undefined) {
      this.list = []
    } else if (init instanceof ResponseHeaders) {
      this.list = init.list.map(([n, v]) => [n, v])
    } else if (Array.isArray(init)) {
      // Sized once (a loop of push() grows an empty array to 17 slots at its first header).
      // (Indexing, not destructuring: a destructured pair runs the iterator protocol.)
      this.list = (init as ReadonlyArray<readonly [string, string]>).map((pair) => [
        pair[0].toLowerCase(),
        pair[1],
      ])
    } else {
      this.list = []
      for (const [n, v] of Object.entries(
        init as Record<string, string | number | readonly string[]>,
      )) {
        if (Array.isArray(v)) for (const item of v) this.list.push([n.toLowerCase(), item])
        else this.list.push([n.toLowerCase(), String(v)])
      }
    }
  }

  /** The first value of `name`, or `undefined`. */
  get(name: string): string | undefined {
    return getHeader(this.list, name)
  }

  /** Every value of `name`. */
  getAll(name: string): string[] {
    return getHeaderValues(this.list, name)
  }

  /** Whether `name` is present. */
  has(name: string): boolean {
    return getHeader(this.list, name) !== undefined
  }

  /** Replaces every `name` header with one value. */
  set(name: string, value: string): this {
    const lower = name.toLowerCase()
    const index = this.list.findIndex(([n]) => n === lower)
    if (index === -1) {
      this.list.push([lower, value])
      return this
    }
    this.list[index] = [lower, value]
    for (let i = this.list.length - 1; i > index; i--)
      if (this.list[i]![0] === lower) this.list.splice(i, 1)
    return this
  }

  /** Adds one more `name` header. */
  append(name: string, value: string): this {
    this.list.push([name.toLowerCase(), value])
    return this
  }

  /** Removes every `name` header. */
  delete(name: string): this {
    const lower = name.toLowerCase()
    for (let i = this.list.length - 1; i >= 0; i--)
      if (this.list[i]![0] === lower) this.list.splice(i, 1)
    return this
  }

  /** Iterates `[name, value]` pairs. */
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.list[Symbol.iterator]()
  }
}

/** Read-only, case-insensitive access to request headers. */
export class RequestHeaders implements Iterable<[string, string]> {
  /** The scope's header pairs (names already lowercase). */
  readonly list: HeaderList

  constructor(list: HeaderList) {
    this.list = list
  }

  /**
   * The value of `name`; repeated headers are joined with `, ` (RFC 9110 §5.3), except
   * `set-cookie` and `cookie` which keep only the first (use `getAll` for those).
   */
  get(name: string): string | undefined {
    const lower = name.toLowerCase()
    const list = this.list
    let value: string | undefined
    // Indexed: a destructuring for-of runs the iterator protocol (once per request header).
    for (let i = 0; i < list.length; i++) {
      const pair = list[i]!
      if (pair[0] !== lower) continue
      const v = pair[1]
      if (value === undefined) value = v
      else if (lower === 'cookie') value = `${value}; ${v}`
      else if (lower !== 'set-cookie') value = `${value}, ${v}`
    }
    return value
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    return getHeaderValues(this.list, name.toLowerCase())
  }

  /** Whether `name` is present. */
  has(name: string): boolean {
    return getHeader(this.list, name.toLowerCase()) !== undefined
  }

  /** Iterates `[name, value]` pairs. */
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.list[Symbol.iterator]()
  }

  /** A plain object; repeated headers joined as by {@link get}. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [n] of this.list) if (!(n in out)) out[n] = this.get(n)!
    return out
  }
}

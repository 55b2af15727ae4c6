/**
 * Field checks shared by the event and scope validators. Each returns a problem description
 * ("must be …, got …") or `undefined` when the value is acceptable.
 *
 * @module
 */

/**
 * RFC 9110 token characters (`!#$%&'*+-.^_\`|~`, digits, letters): 1 in this table, by char
 * code. A loop over a table rather than a regular expression: these checks run on every header
 * of every response, and for short strings entering the regexp engine costs more than the
 * match. (The loop is not free either, about 20 instructions a character: see the remembered
 * strings below.)
 */
const TOKEN_CHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN_CHAR[c.charCodeAt(0)] = 1

/** Whether `value` is an RFC 9110 token. */
export function isToken(value: string): boolean {
  const n = value.length
  if (n === 0) return false
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i)
    if (c > 127 || TOKEN_CHAR[c] === 0) return false
  }
  return true
}

/**
 * Whether `value` may appear as a header field value on the wire (RFC 9110): HTAB, visible
 * ASCII, SP and obs-text (U+0080–U+00FF); no CR, LF, NUL, DEL or other controls.
 */
export function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    // 0x20–0x7e and 0x80–0xff pass; below 0x20 only HTAB; 0x7f (DEL) and above 0xff never.
    if (c < 0x20 ? c !== 9 : c === 0x7f || c > 0xff) return false
  }
  return true
}

/** A short description of a value's type for error messages: `string "200"`, `number 99`… */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.byteLength})`
  if (Array.isArray(value)) return `array(${value.length})`
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`
    case 'undefined':
      return 'undefined'
    default:
      return typeof value
  }
}

/**
 * Header names and values already found valid, so that the ones an application sends on every
 * response (`content-type`, `application/json`) are checked once rather than character by
 * character each time: a string's validity depends only on its content, and strings are
 * immutable, so an equal string later is valid too. Names and values apart (a valid value is
 * not always a valid name). Bounded: emptied when full, so the strings in use come back and a
 * stream of one-off values (dates, ETags) costs no more than a set kept at a few hundred
 * entries. Values shorter than {@link REMEMBER_FROM} are not remembered: their loop is cheaper
 * than the lookup (a content-length's digits); strings longer than {@link REMEMBER_UP_TO}
 * neither, so the sets hold at most a few hundred KB. Callgrind, a GET answered with two
 * headers: the tracker's checks were about 3.1k instructions per response with regular
 * expressions, 2.3k with the loops alone, 1.1k with the loops and these sets.
 */
const validNames = new Set<string>()
const validValues = new Set<string>()
const REMEMBERED_MAX = 512
const REMEMBER_FROM = 8
const REMEMBER_UP_TO = 256

function isKnownName(name: string): boolean {
  if (validNames.has(name)) return true
  if (!isToken(name)) return false
  if (name.length > REMEMBER_UP_TO) return true
  if (validNames.size >= REMEMBERED_MAX) validNames.clear()
  validNames.add(name)
  return true
}

function isKnownValue(value: string): boolean {
  if (value.length < REMEMBER_FROM || value.length > REMEMBER_UP_TO) return isFieldValue(value)
  if (validValues.has(value)) return true
  if (!isFieldValue(value)) return false
  if (validValues.size >= REMEMBERED_MAX) validValues.clear()
  validValues.add(value)
  return true
}

/** `undefined` when `value` is a header list; otherwise what is wrong, and where. */
export function checkHeaderList(value: unknown, field: string): [string, string] | undefined {
  if (!Array.isArray(value))
    return [field, `must be an array of [name, value] pairs, got ${describe(value)}`]
  for (let i = 0; i < value.length; i++) {
    const pair: unknown = value[i]
    if (!Array.isArray(pair) || pair.length !== 2) {
      return [`${field}[${i}]`, `must be a [name, value] pair, got ${describe(pair)}`]
    }
    // By index: destructuring runs the iterator protocol, per header of every response.
    const name: unknown = pair[0]
    const val: unknown = pair[1]
    if (typeof name !== 'string')
      return [`${field}[${i}][0]`, `must be a string, got ${describe(name)}`]
    if (!isKnownName(name)) {
      return [
        `${field}[${i}][0]`,
        `must be a header name (an RFC 9110 token), got ${describe(name)}`,
      ]
    }
    if (typeof val !== 'string')
      return [`${field}[${i}][1]`, `must be a string, got ${describe(val)}`]
    if (!isKnownValue(val)) {
      return [
        `${field}[${i}][1]`,
        `must not contain CR, LF, NUL, other control characters or characters above U+00FF, got ${describe(val)}`,
      ]
    }
  }
  return undefined
}

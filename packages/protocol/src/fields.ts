/**
 * Field checks shared by the event and scope validators. Each returns a problem description
 * ("must be …, got …") or `undefined` when the value is acceptable.
 *
 * @module
 */

/** RFC 9110 token: header field names, methods, subprotocols. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** RFC 9110 field value: HTAB, visible ASCII, SP and obs-text; no CR, LF, NUL or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Whether `value` is an RFC 9110 token. */
export function isToken(value: string): boolean {
  return TOKEN.test(value)
}

/** Whether `value` may appear as a header field value on the wire. */
export function isFieldValue(value: string): boolean {
  return FIELD_VALUE.test(value)
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

/** `undefined` when `value` is a header list; otherwise what is wrong, and where. */
export function checkHeaderList(value: unknown, field: string): [string, string] | undefined {
  if (!Array.isArray(value))
    return [field, `must be an array of [name, value] pairs, got ${describe(value)}`]
  for (let i = 0; i < value.length; i++) {
    const pair: unknown = value[i]
    if (!Array.isArray(pair) || pair.length !== 2) {
      return [`${field}[${i}]`, `must be a [name, value] pair, got ${describe(pair)}`]
    }
    const [name, val] = pair as [unknown, unknown]
    if (typeof name !== 'string')
      return [`${field}[${i}][0]`, `must be a string, got ${describe(name)}`]
    if (!TOKEN.test(name)) {
      return [
        `${field}[${i}][0]`,
        `must be a header name (an RFC 9110 token), got ${describe(name)}`,
      ]
    }
    if (typeof val !== 'string')
      return [`${field}[${i}][1]`, `must be a string, got ${describe(val)}`]
    if (!FIELD_VALUE.test(val)) {
      return [
        `${field}[${i}][1]`,
        `must not contain CR, LF, NUL, other control characters or characters above U+00FF, got ${describe(val)}`,
      ]
    }
  }
  return undefined
}

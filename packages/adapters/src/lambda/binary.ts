/**
 * Whether a response body goes back base64-encoded: API Gateway, ALB and Function URLs carry
 * the body in a JSON string, so bytes that are not text must be base64.
 *
 * @module
 */
import { getHeader, type HeaderList } from '@tsgi/protocol'

/** Decides whether a response body is binary; see `ToLambdaOptions.isBinary`. */
export type BinaryPredicate = (headers: HeaderList, contentType: string | undefined) => boolean

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/ecmascript',
  'application/x-javascript',
  'application/x-www-form-urlencoded',
  'application/graphql',
  'application/x-ndjson',
  'application/yaml',
  'application/x-yaml',
])

/**
 * The default rule: `text/*`, JSON, XML, JavaScript, form data, YAML and any `+json` / `+xml`
 * type are text; everything else is binary, and so is any body with a `Content-Encoding` other
 * than `identity` (compressed bytes are not text whatever their type). A body with no
 * `Content-Type` is sent as text when it is valid UTF-8 (checked by the caller).
 */
export function isBinaryResponse(headers: HeaderList, contentType: string | undefined): boolean {
  const encoding = getHeader(headers, 'content-encoding')?.trim().toLowerCase()
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') return true
  if (contentType === undefined) return false
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  if (type.startsWith('text/')) return false
  if (TEXT_TYPES.has(type)) return false
  return !(type.endsWith('+json') || type.endsWith('+xml'))
}

/**
 * Applying a route's schemas (or extractors) to a request before its handler runs: params,
 * query and headers (strings, coerced), then the body, parsed by its content-type.
 *
 * @module
 */
import { charsetOf, decodeText, parseForm, parseJSON } from './body.ts'
import { FrameworkErrorCode, UnsupportedMediaTypeError } from './errors.ts'
import type { Request } from './request.ts'
import type { RouteOptions } from './router/router.ts'
import {
  isSchema,
  type Location,
  NOT_NOW,
  type Validator,
  validateNow,
  validateWith,
} from './validation.ts'

type ExtractorFn = (input: unknown, request: Request) => unknown

async function apply(
  validator: Validator,
  input: unknown,
  raw: unknown,
  request: Request,
  location: Location,
  coerce: boolean,
): Promise<unknown> {
  if (isSchema(validator)) {
    const value = validateNow(validator, input)
    return value === NOT_NOW ? validateWith(validator, input, location, coerce) : value
  }
  return (validator as unknown as ExtractorFn)(raw, request)
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i

/**
 * The body for a body schema, parsed by content-type (JSON or urlencoded; empty is
 * `undefined`), as `request.json()` / `request.form()` would, from bytes already read.
 */
function parseBody(type: string | undefined, bytes: Uint8Array): unknown {
  if (type === undefined && bytes.byteLength === 0) return undefined
  if (type !== undefined && JSON_TYPE.test(type))
    return parseJSON(decodeText(bytes, charsetOf(type)))
  if (type !== undefined && FORM_TYPE.test(type))
    return parseForm(decodeText(bytes, charsetOf(type)))
  throw new UnsupportedMediaTypeError(
    `expected application/json or application/x-www-form-urlencoded, got ${type ?? 'no content-type'}`,
    {
      code: FrameworkErrorCode.unsupportedMediaType,
    },
  )
}

/** Validates the request in place: `params`, `query` and `body` get the validated values. */
export async function validateRoute(
  request: Request,
  options: RouteOptions,
  settings: { coerce: boolean },
): Promise<void> {
  const coerce = settings.coerce
  if (options.params)
    request.params = (await apply(
      options.params,
      { ...request.params },
      request.params,
      request,
      'params',
      coerce,
    )) as typeof request.params
  if (options.query)
    request.query = (await apply(
      options.query,
      request.query,
      request.scope.queryString,
      request,
      'query',
      coerce,
    )) as typeof request.query
  if (options.headers)
    await apply(
      options.headers,
      request.headers.toJSON(),
      request.headers,
      request,
      'headers',
      coerce,
    )
  if (options.body) {
    const bytes = await request.bytes()
    if (isSchema(options.body)) {
      const input = parseBody(request.headers.get('content-type'), bytes)
      const value = validateNow(options.body, input)
      request.body = (
        value === NOT_NOW ? await validateWith(options.body, input, 'body', false) : value
      ) as typeof request.body
    } else {
      request.body = (await (options.body as unknown as ExtractorFn)(
        bytes,
        request,
      )) as typeof request.body
    }
  }
}

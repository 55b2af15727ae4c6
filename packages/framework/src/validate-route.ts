/**
 * Applying a route's schemas (or extractors) to a request before its handler runs: params,
 * query and headers (strings, coerced), then the body, parsed by its content-type.
 *
 * @module
 */
import { FrameworkErrorCode, UnsupportedMediaTypeError } from './errors.ts'
import type { Request } from './request.ts'
import type { RouteOptions } from './router/router.ts'
import { isSchema, type Location, type Validator, validateWith } from './validation.ts'

type ExtractorFn = (input: unknown, request: Request) => unknown

async function apply(
  validator: Validator,
  input: unknown,
  raw: unknown,
  request: Request,
  location: Location,
  coerce: boolean,
): Promise<unknown> {
  if (isSchema(validator)) return validateWith(validator, input, location, coerce)
  return (validator as unknown as ExtractorFn)(raw, request)
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i

/** Reads the body for a body schema: JSON or urlencoded by content-type; empty is `undefined`. */
async function parsedBody(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type')
  const bytes = await request.bytes()
  if (type === undefined && bytes.byteLength === 0) return undefined
  if (type !== undefined && JSON_TYPE.test(type)) return request.json()
  if (type !== undefined && FORM_TYPE.test(type)) return request.form()
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
    request.body = (
      isSchema(options.body)
        ? await validateWith(options.body, await parsedBody(request), 'body', false)
        : await (options.body as unknown as ExtractorFn)(await request.bytes(), request)
    ) as typeof request.body
  }
}

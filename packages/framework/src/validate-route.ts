/**
 * Applying a route's schemas (or extractors) to a request before its handler runs: params,
 * query and headers (strings, coerced), then the body, parsed by its content-type.
 *
 * Synchronous schemas (most are) are applied without a single await; the first extractor or
 * asynchronous schema switches the rest of the work to the general, awaiting path. Every schema
 * and extractor runs exactly once per request: an asynchronous schema's own promise is awaited,
 * never a second call.
 *
 * @module
 */
import { charsetOf, decodeText, parseForm, parseJSON } from './body.ts'
import { FrameworkErrorCode, UnsupportedMediaTypeError } from './errors.ts'
import type { Request } from './request.ts'
import {
  isSchema,
  type Location,
  Pending,
  type Validator,
  validate,
  validateWith,
} from './validation.ts'

type ExtractorFn = (input: unknown, request: Request) => unknown
type Settings = { coerce: boolean }
/** What validation reads of a route's options (structural: no import of the route model). */
type RouteOptions = { readonly [L in Location]?: unknown }

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i

/** The steps before the body, in order: where the input comes from, where the value goes. */
const STEPS = [
  {
    location: 'params',
    input: (r: Request) => ({ ...r.params }),
    raw: (r: Request) => r.params,
    store: (r: Request, v: unknown) => {
      r.params = v as typeof r.params
    },
  },
  {
    location: 'query',
    input: (r: Request) => r.query,
    raw: (r: Request) => r.scope.queryString,
    store: (r: Request, v: unknown) => {
      r.query = v as typeof r.query
    },
  },
  {
    location: 'headers',
    input: (r: Request) => r.headers.toJSON(),
    raw: (r: Request) => r.headers,
    // Headers are checked, not replaced.
    store: () => {},
  },
] as const satisfies ReadonlyArray<{
  location: Location
  input: (r: Request) => unknown
  raw: (r: Request) => unknown
  store: (r: Request, v: unknown) => void
}>

/**
 * The body for a body schema, parsed by content-type (JSON or urlencoded; empty is
 * `undefined`), as `request.json()` / `request.form()` would, from bytes already read.
 */
function parseBody(type: string | undefined, bytes: Uint8Array): unknown {
  if (type === undefined && bytes.byteLength === 0) return undefined
  if (type !== undefined && (type === 'application/json' || JSON_TYPE.test(type)))
    return parseJSON(decodeText(bytes, charsetOf(type)))
  if (type !== undefined && FORM_TYPE.test(type))
    return parseForm(decodeText(bytes, charsetOf(type)))
  throw new UnsupportedMediaTypeError(
    `expected application/json or application/x-www-form-urlencoded, got ${type ?? 'no content-type'}`,
    { code: FrameworkErrorCode.unsupportedMediaType },
  )
}

function validatorOf(options: RouteOptions, location: Location): Validator | undefined {
  return options[location] as Validator | undefined
}

/**
 * Validates the request in place (`params`, `query` and `body` get the validated values), then
 * runs `next`: at once when everything was done synchronously, else once the rest is done (one
 * promise for both, not one for validation and one more for `next`). Throws synchronously
 * (validation errors) only from the synchronous part.
 */
export function validateRoute<R>(
  request: Request,
  options: RouteOptions,
  settings: Settings,
  next: (request: Request) => R | Promise<R>,
): R | Promise<R> {
  for (let i = 0; i < STEPS.length; i++) {
    const step = STEPS[i]!
    const validator = validatorOf(options, step.location)
    if (validator === undefined) continue
    if (!isSchema(validator))
      return validateFrom(i, request, options, settings).then(() => next(request))
    const value = validate(validator, step.input(request), step.location, settings.coerce)
    if (value instanceof Pending)
      return value.promise.then((v) => {
        step.store(request, v)
        return validateFrom(i + 1, request, options, settings).then(() => next(request))
      })
    step.store(request, value)
  }
  if (options.body)
    return request.bytes().then((bytes) => {
      const pending = applyBody(request, options, bytes)
      return pending === undefined ? next(request) : pending.then(() => next(request))
    })
  return next(request)
}

/** The general path, from step `first` on: extractors and asynchronous schemas. */
async function validateFrom(
  first: number,
  request: Request,
  options: RouteOptions,
  settings: Settings,
): Promise<void> {
  for (let i = first; i < STEPS.length; i++) {
    const step = STEPS[i]!
    const validator = validatorOf(options, step.location)
    if (validator === undefined) continue
    const value = isSchema(validator)
      ? await validateWith(validator, step.input(request), step.location, settings.coerce)
      : await (validator as unknown as ExtractorFn)(step.raw(request), request)
    step.store(request, value)
  }
  if (options.body) await applyBody(request, options, await request.bytes())
}

/** The body step, once its bytes are read. */
function applyBody(
  request: Request,
  options: RouteOptions,
  bytes: Uint8Array,
): Promise<void> | undefined {
  const validator = options.body as Validator
  if (!isSchema(validator)) {
    const value = (validator as unknown as ExtractorFn)(bytes, request)
    if (typeof (value as PromiseLike<unknown> | null)?.then === 'function')
      return Promise.resolve(value).then((v) => {
        request.body = v as typeof request.body
      })
    request.body = value as typeof request.body
    return undefined
  }
  const input = parseBody(request.headers.get('content-type'), bytes)
  const value = validate(validator, input, 'body', false)
  if (value instanceof Pending)
    return value.promise.then((v) => {
      request.body = v as typeof request.body
    })
  request.body = value as typeof request.body
  return undefined
}

/**
 * Validation through Standard Schema (zod, valibot, arktype… without adapters), with string
 * coercion for params, query and headers, and custom extractor functions.
 *
 * Coercion is schema-agnostic: Standard Schema does not describe shapes, so when validation
 * fails on a string that reads as a number or boolean, the value is retried converted
 * (`'42'` → 42, `'true'` → true, a lone value where an array is expected → `[value]`), and the
 * retry's outcome is final. A schema that accepts strings never sees a conversion.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import {
  type FieldIssue,
  FrameworkErrorCode,
  type HTTPError,
  UnprocessableContentError,
} from './errors.ts'

/** A custom extractor: gets the raw input (and the request), returns the value or throws an HTTPError. */
export type Extractor<T> = (input: never, request: never) => T | Promise<T>

/** What a route can validate a part of the request with. */
export type Validator = StandardSchemaV1 | ((input: never, request: never) => unknown)

/** The value type a validator produces. */
export type Validated<V> = V extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<V>
  : V extends (...args: never[]) => infer R
    ? Awaited<R>
    : never

/** Where the validated value came from, used as the first element of issue paths. */
export type Location = 'params' | 'query' | 'body' | 'headers'

const NUMBER = /^-?(?:\d+|\d*\.\d+)(?:[eE][+-]?\d+)?$/

function coerce(value: string): unknown {
  if (NUMBER.test(value.trim())) return Number(value)
  if (value === 'true') return true
  if (value === 'false') return false
  return undefined
}

function keyOf(segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey {
  return typeof segment === 'object' ? segment.key : segment
}

/** Applies one round of coercions at the issues' paths; returns whether anything changed. */
function coerceAt(
  root: { value: unknown },
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
): boolean {
  let changed = false
  for (const issue of issues) {
    const path = (issue.path ?? []).map(keyOf)
    let parent: Record<PropertyKey, unknown> = root as Record<PropertyKey, unknown>
    let key: PropertyKey = 'value'
    for (const segment of path) {
      const next = parent[key]
      if (typeof next !== 'object' || next === null) {
        parent = {}
        break
      }
      parent = next as Record<PropertyKey, unknown>
      key = segment
    }
    const current = parent[key]
    if (typeof current !== 'string') continue
    const converted = coerce(current)
    if (converted !== undefined) {
      parent[key] = converted
      changed = true
    } else if (/array|list|tuple/i.test(issue.message)) {
      parent[key] = [current]
      changed = true
    }
  }
  return changed
}

function issuesToFields(
  location: Location,
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
): FieldIssue[] {
  return issues.map((issue) => ({
    path: [location, ...(issue.path ?? []).map((s) => String(keyOf(s)))].join('.'),
    message: issue.message,
  }))
}

/**
 * What {@link validate} returns when the schema answered with a promise: that promise, carried
 * on to the value (or the 422). A wrapper, so that a value that is itself thenable stays a value.
 */
export class Pending {
  /** The schema's promise, carried on to the validated value. */
  readonly promise: Promise<unknown>
  constructor(promise: Promise<unknown>) {
    this.promise = promise
  }
}

/** Coercion rounds after the first validation (each may fix one more level of strings). */
const ROUNDS = 3

/**
 * Validates `input` with a Standard Schema: the value, or the 422 (listing every failing field)
 * thrown, without an await while the schema answers synchronously (most do). As soon as it
 * answers with a promise, returns a {@link Pending} carrying that very promise: the schema is
 * never called again for the same input, so an async `refine` with a side effect runs once, and
 * its rejection reaches the caller instead of being dropped.
 */
export function validate(
  schema: StandardSchemaV1,
  input: unknown,
  location: Location,
  coerceStrings: boolean,
): unknown {
  const result = schema['~standard'].validate(input)
  if (isThenable(result)) return later(result, schema, input, location, coerceStrings, undefined, 0)
  if (result.issues === undefined) return result.value
  return settle(result, schema, input, location, coerceStrings, undefined, 0)
}

/**
 * The one driver of {@link validate}, from a result on: retries with strings coerced while that
 * fixes something, synchronously; hands over to {@link later} when a retry answers with a promise.
 */
function settle(
  first: StandardSchemaV1.Result<unknown>,
  schema: StandardSchemaV1,
  input: unknown,
  location: Location,
  coerceStrings: boolean,
  root: { value: unknown } | undefined,
  round: number,
): unknown {
  let result = first
  while (result.issues) {
    if (!coerceStrings || round === ROUNDS) throw invalid(location, result.issues)
    root ??= { value: structuredClone(input) }
    if (!coerceAt(root, result.issues)) throw invalid(location, result.issues)
    round++
    const next = schema['~standard'].validate(root.value)
    if (isThenable(next)) return later(next, schema, input, location, coerceStrings, root, round)
    result = next
  }
  return result.value
}

/** {@link settle} once `pending` resolves: the same rounds, awaited. */
function later(
  pending: PromiseLike<StandardSchemaV1.Result<unknown>>,
  schema: StandardSchemaV1,
  input: unknown,
  location: Location,
  coerceStrings: boolean,
  root: { value: unknown } | undefined,
  round: number,
): Pending {
  return new Pending(
    Promise.resolve(pending).then((result) => {
      const value = settle(result, schema, input, location, coerceStrings, root, round)
      return value instanceof Pending ? value.promise : value
    }),
  )
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown>).then === 'function'
}

function invalid(location: Location, issues: ReadonlyArray<StandardSchemaV1.Issue>): HTTPError {
  const fields = issuesToFields(location, issues)
  return new UnprocessableContentError(
    `invalid ${location}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    { errors: fields, code: FrameworkErrorCode.validation },
  )
}

/** {@link validate} as a promise, for callers already on an awaiting path. */
export function validateWith(
  schema: StandardSchemaV1,
  input: unknown,
  location: Location,
  coerceStrings: boolean,
): Promise<unknown> {
  try {
    const value = validate(schema, input, location, coerceStrings)
    return value instanceof Pending ? value.promise : Promise.resolve(value)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Whether `v` is a Standard Schema. */
export function isSchema(v: unknown): v is StandardSchemaV1 {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && '~standard' in v
}

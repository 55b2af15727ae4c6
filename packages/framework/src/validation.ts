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

/** What {@link validateSync} returns when the schema answered with a promise. */
export const NOT_NOW: unique symbol = Symbol('tsgi.notNow')

/**
 * {@link validateWith} without awaits, for synchronous schemas (most are): the value, or the
 * 422 thrown; `NOT_NOW` as soon as the schema answers with a promise (then use validateWith).
 */
export function validateSync(
  schema: StandardSchemaV1,
  input: unknown,
  location: Location,
  coerceStrings: boolean,
): unknown {
  let result = schema['~standard'].validate(input)
  if (isThenable(result)) return NOT_NOW
  if (result.issues && coerceStrings) {
    const root = { value: structuredClone(input) }
    for (let round = 0; round < 3 && result.issues && coerceAt(root, result.issues); round++) {
      result = schema['~standard'].validate(root.value)
      if (isThenable(result)) return NOT_NOW
    }
  }
  if (result.issues) throw invalid(location, result.issues)
  return result.value
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

/** Validates `input` with a Standard Schema; throws a 422 listing every failing field. */
export async function validateWith(
  schema: StandardSchemaV1,
  input: unknown,
  location: Location,
  coerceStrings: boolean,
): Promise<unknown> {
  let result = await schema['~standard'].validate(input)
  if (result.issues && coerceStrings) {
    const root = { value: structuredClone(input) }
    for (let round = 0; round < 3 && result.issues && coerceAt(root, result.issues); round++) {
      result = await schema['~standard'].validate(root.value)
    }
  }
  if (result.issues) throw invalid(location, result.issues)
  return result.value
}

/** Whether `v` is a Standard Schema. */
export function isSchema(v: unknown): v is StandardSchemaV1 {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && '~standard' in v
}

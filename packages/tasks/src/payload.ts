/**
 * Payloads are stored as JSON (in memory too, so both backends behave the same): anything that
 * would not survive `JSON.stringify` → `JSON.parse` unchanged is refused at enqueue, with the
 * path of the offending value.
 *
 * @module
 */
import { TasksError, TasksErrorCode } from './errors.ts'

/** A value that survives a JSON round trip unchanged. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

function problem(value: unknown, path: string, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot hold`
    case 'object': {
      if (value === null) return undefined
      if (seen.has(value)) return `${path} is a circular reference`
      seen.add(value)
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const found = problem(value[i], `${path}[${i}]`, seen)
            if (found) return found
          }
          return undefined
        }
        const proto = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null)
          return `${path} is a ${proto?.constructor?.name ?? 'class instance'}, not a plain object`
        for (const [key, item] of Object.entries(value)) {
          const found = problem(item, `${path}.${key}`, seen)
          if (found) return found
        }
        return undefined
      } finally {
        seen.delete(value)
      }
    }
    default:
      return `${path} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot hold`
  }
}

/** Throws `TSGI_TASKS_ERR_PAYLOAD` unless `value` is plain JSON. */
export function assertJson(value: unknown, task: string): asserts value is Json {
  const found = problem(value, 'payload', new Set())
  if (found) throw new TasksError(TasksErrorCode.payload, `cannot enqueue ${task}: ${found}`)
}

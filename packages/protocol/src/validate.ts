/**
 * Runtime validation of the events an application sends. Servers call these in strict mode
 * (the reference server always does); framework authors call them in tests.
 *
 * @module
 */
import type { ScopeType, SendEvent, SendEventType } from './application.ts'
import type { Extensions } from './common.ts'
import { InvalidEventError } from './errors.ts'
import { checkHeaderList, describe, isToken } from './fields.ts'

/** What the validator knows about the exchange the event belongs to. */
export interface ValidationContext {
  /** When set, the event must belong to this scope type. */
  scopeType?: ScopeType
  /** When set, events (and fields) of an extension are accepted only if it is listed here. */
  extensions?: Extensions
}

type Fields = Record<string, unknown>
type Problem = [field: string, problem: string] | undefined
interface EventRule {
  scope: ScopeType
  extension?: string
  check(event: Fields, context: ValidationContext | undefined): Problem
}

function optionalBoolean(event: Fields, field: string): Problem {
  const value = event[field]
  if (value === undefined || typeof value === 'boolean') return undefined
  return [field, `must be a boolean when present, got ${describe(value)}`]
}

function optionalBytes(event: Fields, field: string): Problem {
  const value = event[field]
  if (value === undefined || value instanceof Uint8Array) return undefined
  return [field, `must be a Uint8Array when present, got ${describe(value)}`]
}

function optionalHeaders(event: Fields): Problem {
  return event.headers === undefined ? undefined : checkHeaderList(event.headers, 'headers')
}

function status(event: Fields): Problem {
  const value = event.status
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return ['status', `must be an integer from 200 to 599, got ${describe(value)}`]
  }
  if (value >= 100 && value < 200) {
    return [
      'status',
      `must be from 200 to 599: informational (1xx) responses cannot be sent, got ${value}`,
    ]
  }
  if (value < 200 || value > 599)
    return ['status', `must be an integer from 200 to 599, got ${value}`]
  return undefined
}

function optionalMessage(event: Fields): Problem {
  const value = event.message
  if (value === undefined || typeof value === 'string') return undefined
  return ['message', `must be a string when present, got ${describe(value)}`]
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\')
}

/** Close codes an endpoint may send (RFC 6455 §7.4): 1000–1014 minus the reserved ones, 3000–4999. */
export function isValidCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999))
  )
}

const utf8 = new TextEncoder()
const first = (...problems: Array<() => Problem>): Problem => {
  for (const p of problems) {
    const found = p()
    if (found) return found
  }
  return undefined
}

const RULES: Record<SendEventType, EventRule> = {
  'http.response.start': {
    scope: 'http',
    // Plain `??` chains, not closures: this runs for every response on a server's hot path.
    check: (e, ctx) =>
      status(e) ??
      optionalHeaders(e) ??
      optionalBoolean(e, 'trailers') ??
      (e.trailers === true && ctx?.extensions && !ctx.extensions['http.response.trailers']
        ? [
            'trailers',
            'requires the http.response.trailers extension, which this server does not offer',
          ]
        : undefined),
  },
  'http.response.body': {
    scope: 'http',
    check: (e) => optionalBytes(e, 'body') ?? optionalBoolean(e, 'moreBody'),
  },
  'http.response.trailers': {
    scope: 'http',
    extension: 'http.response.trailers',
    check: (e) => optionalHeaders(e) ?? optionalBoolean(e, 'moreTrailers'),
  },
  'http.response.pathsend': {
    scope: 'http',
    extension: 'http.response.pathsend',
    check: (e) =>
      typeof e.path === 'string' && isAbsolutePath(e.path)
        ? undefined
        : ['path', `must be an absolute file path, got ${describe(e.path)}`],
  },
  'websocket.accept': {
    scope: 'websocket',
    check: (e) =>
      first(
        () => {
          const sp = e.subprotocol
          if (sp === undefined || sp === null || (typeof sp === 'string' && isToken(sp)))
            return undefined
          return ['subprotocol', `must be a token string or null when present, got ${describe(sp)}`]
        },
        () => optionalHeaders(e),
        () => {
          const headers = e.headers as Array<[string, string]> | undefined
          const i =
            headers?.findIndex(([name]) => name.toLowerCase() === 'sec-websocket-protocol') ?? -1
          return i >= 0
            ? [`headers[${i}][0]`, 'must not be sec-websocket-protocol: use subprotocol']
            : undefined
        },
      ),
  },
  'websocket.send': {
    scope: 'websocket',
    check: (e) => {
      const hasBytes = e.bytes !== undefined && e.bytes !== null
      const hasText = e.text !== undefined && e.text !== null
      if (hasBytes === hasText) {
        return [
          'bytes/text',
          `must have exactly one of bytes or text set, got ${hasBytes ? 'both' : 'neither'}`,
        ]
      }
      if (hasBytes && !(e.bytes instanceof Uint8Array)) {
        return ['bytes', `must be a Uint8Array, got ${describe(e.bytes)}`]
      }
      if (hasText && typeof e.text !== 'string')
        return ['text', `must be a string, got ${describe(e.text)}`]
      return undefined
    },
  },
  'websocket.close': {
    scope: 'websocket',
    check: (e) => {
      const { code, reason } = e
      if (code !== undefined && (typeof code !== 'number' || !isValidCloseCode(code))) {
        return ['code', `must be 1000–1014 (not 1004–1006) or 3000–4999, got ${describe(code)}`]
      }
      if (reason === undefined) return undefined
      if (typeof reason !== 'string')
        return ['reason', `must be a string when present, got ${describe(reason)}`]
      const length = utf8.encode(reason).byteLength
      return length > 123
        ? ['reason', `must be at most 123 bytes of UTF-8, got ${length}`]
        : undefined
    },
  },
  'websocket.http.response.start': {
    scope: 'websocket',
    extension: 'websocket.http.response',
    check: (e) => status(e) ?? optionalHeaders(e),
  },
  'websocket.http.response.body': {
    scope: 'websocket',
    extension: 'websocket.http.response',
    check: (e) => optionalBytes(e, 'body') ?? optionalBoolean(e, 'moreBody'),
  },
  'lifespan.startup.complete': { scope: 'lifespan', check: () => undefined },
  'lifespan.startup.failed': { scope: 'lifespan', check: optionalMessage },
  'lifespan.shutdown.complete': { scope: 'lifespan', check: () => undefined },
  'lifespan.shutdown.failed': { scope: 'lifespan', check: optionalMessage },
}

const KNOWN_TYPES = Object.keys(RULES).join(', ')

/**
 * Checks an event an application wants to send. Returns `undefined` when it is valid, or an
 * {@link InvalidEventError} naming the field and what was expected. Extra unknown fields are
 * always accepted.
 */
export function validateSendEvent(
  event: unknown,
  context?: ValidationContext,
): InvalidEventError | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return new InvalidEventError(undefined, 'event', `must be an object, got ${describe(event)}`)
  }
  const fields = event as Fields
  const type = fields.type
  if (typeof type !== 'string') {
    return new InvalidEventError(undefined, 'type', `must be a string, got ${describe(type)}`)
  }
  const rule = Object.hasOwn(RULES, type) ? RULES[type as SendEventType] : undefined
  if (!rule)
    return new InvalidEventError(
      type,
      'type',
      `is not an event an application can send (one of: ${KNOWN_TYPES})`,
    )
  if (context?.scopeType && context.scopeType !== rule.scope) {
    return new InvalidEventError(
      type,
      'type',
      `belongs to ${rule.scope} scopes, not ${context.scopeType}`,
    )
  }
  if (rule.extension && context?.extensions && !context.extensions[rule.extension]) {
    return new InvalidEventError(
      type,
      'type',
      `requires the ${rule.extension} extension, which this server does not offer`,
    )
  }
  const problem = rule.check(fields, context)
  return problem ? new InvalidEventError(type, problem[0], problem[1]) : undefined
}

/** Like {@link validateSendEvent}, but throws the {@link InvalidEventError} and narrows the type. */
export function assertSendEvent(
  event: unknown,
  context?: ValidationContext,
): asserts event is SendEvent {
  const error = validateSendEvent(event, context)
  if (error) throw error
}

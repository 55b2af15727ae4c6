/**
 * Validation of what a server produces: scopes and the events it delivers through `receive()`.
 * Used by the conformance suite and by server authors in their tests; applications need not.
 *
 * @module
 */
import type { ReceiveEvent, Scope, ScopeType } from './application.ts'
import { InvalidScopeError } from './errors.ts'
import { checkHeaderList, describe, isToken } from './fields.ts'

type Fields = Record<string, unknown>
type Problem = [field: string, problem: string] | undefined

const isObject = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isPort = (v: unknown): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535

function oneOf(scope: Fields, field: string, allowed: readonly string[]): Problem {
  const value = scope[field]
  return typeof value === 'string' && allowed.includes(value)
    ? undefined
    : [
        `scope.${field}`,
        `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
      ]
}

function strings(scope: Fields, fields: readonly string[]): Problem {
  for (const field of fields) {
    if (typeof scope[field] !== 'string')
      return [`scope.${field}`, `must be a string, got ${describe(scope[field])}`]
  }
  return undefined
}

function connection(scope: Fields): Problem {
  const rootPath = scope.rootPath as string
  const path = scope.path as string
  if (!path.startsWith(rootPath) || !(scope.rawPath as string).startsWith(rootPath)) {
    return [
      'scope.path',
      `and scope.rawPath must start with rootPath ${JSON.stringify(rootPath)}, got ${JSON.stringify(path)}`,
    ]
  }
  if (!path.startsWith('/') && path !== '*')
    return ['scope.path', `must start with '/' (or be '*'), got ${describe(path)}`]
  const headerProblem = checkHeaderList(scope.headers, 'scope.headers')
  if (headerProblem) return headerProblem
  const headers = scope.headers as Array<[string, string]>
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i]![0]
    if (name !== name.toLowerCase())
      return [`scope.headers[${i}][0]`, `must be lowercase, got ${describe(name)}`]
  }
  const { client, server } = scope
  if (
    client !== null &&
    !(isObject(client) && typeof client.host === 'string' && isPort(client.port))
  ) {
    return [
      'scope.client',
      `must be null or { host: string, port: integer }, got ${describe(client)}`,
    ]
  }
  if (
    server !== null &&
    !(
      isObject(server) &&
      typeof server.host === 'string' &&
      (server.port === null || isPort(server.port))
    )
  ) {
    return [
      'scope.server',
      `must be null or { host: string, port: integer | null }, got ${describe(server)}`,
    ]
  }
  if (!isObject(scope.extensions))
    return ['scope.extensions', `must be an object, got ${describe(scope.extensions)}`]
  return undefined
}

function checkScope(scope: unknown): Problem {
  if (!isObject(scope)) return ['scope', `must be an object, got ${describe(scope)}`]
  const tsgi = scope.tsgi
  if (!isObject(tsgi) || tsgi.version !== '1.0' || tsgi.specVersion !== '1.0') {
    return ['scope.tsgi', `must be { version: '1.0', specVersion: '1.0' }, got ${describe(tsgi)}`]
  }
  if (!isObject(scope.state))
    return ['scope.state', `must be an object, got ${describe(scope.state)}`]
  switch (scope.type) {
    case 'lifespan':
      return undefined
    case 'http': {
      const problem =
        oneOf(scope, 'httpVersion', ['1.0', '1.1', '2']) ??
        oneOf(scope, 'scheme', ['http', 'https']) ??
        strings(scope, ['method', 'path', 'rawPath', 'queryString', 'rootPath'])
      if (problem) return problem
      const method = scope.method as string
      if (!isToken(method) || method !== method.toUpperCase()) {
        return ['scope.method', `must be an uppercase token, got ${describe(method)}`]
      }
      return connection(scope)
    }
    case 'websocket': {
      const problem =
        oneOf(scope, 'httpVersion', ['1.1', '2']) ??
        oneOf(scope, 'scheme', ['ws', 'wss']) ??
        strings(scope, ['path', 'rawPath', 'queryString', 'rootPath'])
      if (problem) return problem
      const sp = scope.subprotocols
      if (!Array.isArray(sp) || !sp.every((s) => typeof s === 'string')) {
        return ['scope.subprotocols', `must be an array of strings, got ${describe(sp)}`]
      }
      return connection(scope)
    }
    default:
      return [
        'scope.type',
        `must be 'http', 'websocket' or 'lifespan', got ${describe(scope.type)}`,
      ]
  }
}

/** Checks a scope built by a server. Returns the problem as an {@link InvalidScopeError}, or `undefined`. */
export function validateScope(scope: unknown): InvalidScopeError | undefined {
  const problem = checkScope(scope)
  return problem ? new InvalidScopeError(problem[0], problem[1]) : undefined
}

/** Like {@link validateScope}, but throws, and narrows the type. */
export function assertScope(scope: unknown): asserts scope is Scope {
  const error = validateScope(scope)
  if (error) throw error
}

const RECEIVE_SCOPE: Record<ReceiveEvent['type'], ScopeType> = {
  'http.request': 'http',
  'http.disconnect': 'http',
  'websocket.connect': 'websocket',
  'websocket.receive': 'websocket',
  'websocket.disconnect': 'websocket',
  'lifespan.startup': 'lifespan',
  'lifespan.shutdown': 'lifespan',
}

function checkReceiveEvent(event: unknown, scopeType: ScopeType | undefined): Problem {
  if (!isObject(event)) return ['event', `must be an object, got ${describe(event)}`]
  const type = event.type
  const owner =
    typeof type === 'string' && Object.hasOwn(RECEIVE_SCOPE, type)
      ? RECEIVE_SCOPE[type as ReceiveEvent['type']]
      : undefined
  if (!owner) return ['event.type', `is not an event a server delivers, got ${describe(type)}`]
  if (scopeType && owner !== scopeType)
    return ['event.type', `belongs to ${owner} scopes, not ${scopeType}`]
  switch (type) {
    case 'http.request':
      if (!(event.body instanceof Uint8Array))
        return ['event.body', `must be a Uint8Array, got ${describe(event.body)}`]
      if (typeof event.moreBody !== 'boolean')
        return ['event.moreBody', `must be a boolean, got ${describe(event.moreBody)}`]
      return undefined
    case 'websocket.receive': {
      const hasBytes = event.bytes !== undefined && event.bytes !== null
      const hasText = event.text !== undefined && event.text !== null
      if (hasBytes === hasText)
        return [
          'event.bytes/text',
          `must have exactly one of bytes or text set, got ${hasBytes ? 'both' : 'neither'}`,
        ]
      if (hasBytes && !(event.bytes instanceof Uint8Array))
        return ['event.bytes', `must be a Uint8Array, got ${describe(event.bytes)}`]
      if (hasText && typeof event.text !== 'string')
        return ['event.text', `must be a string, got ${describe(event.text)}`]
      return undefined
    }
    case 'websocket.disconnect':
      if (typeof event.code !== 'number' || !Number.isInteger(event.code))
        return ['event.code', `must be an integer, got ${describe(event.code)}`]
      if (typeof event.reason !== 'string')
        return ['event.reason', `must be a string, got ${describe(event.reason)}`]
      return undefined
    default:
      return undefined
  }
}

/** Checks an event a server delivered through `receive()`, optionally for a given scope type. */
export function validateReceiveEvent(
  event: unknown,
  scopeType?: ScopeType,
): InvalidScopeError | undefined {
  const problem = checkReceiveEvent(event, scopeType)
  return problem ? new InvalidScopeError(problem[0], problem[1]) : undefined
}

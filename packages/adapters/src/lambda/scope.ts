/**
 * The `http` scope of one invocation, built from the request read off the event.
 *
 * @module
 */
import {
  type Address,
  decodePath,
  type HeaderList,
  type HTTPScope,
  type State,
  TSGI_VERSION,
} from '@tsgi/protocol'
import type { LambdaRequest } from './events.ts'
import { startsWithSegment } from './request-fields.ts'
import type { LambdaContext, LambdaEventSource } from './types.ts'

/** What `scope.extensions['aws.lambda']` holds: the raw invocation, for what TSGI has no field for. */
export interface LambdaExtension {
  /** The integration the event came from. */
  source: LambdaEventSource
  /** The invocation event as received (authorizer claims, path parameters, stage variables). */
  event: unknown
  /** The Lambda context object. */
  context: LambdaContext | undefined
}

/** How the root path is chosen (see `ToLambdaOptions`). */
export interface RootPathOptions {
  rootPath?: string
  stripStage?: boolean
}

function first(headers: HeaderList, name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v
  return undefined
}

function rootPathOf(request: LambdaRequest, options: RootPathOptions): string {
  if (options.rootPath !== undefined) {
    const root = options.rootPath.replace(/\/+$/, '')
    return startsWithSegment(request.rawPath, root) ? root : ''
  }
  return options.stripStage === false ? '' : request.stagePrefix
}

function serverOf(host: string | undefined, scheme: string, port: string | undefined) {
  if (host === undefined || host === '') return null
  // `host` may carry a port, and an IPv6 literal in brackets.
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host)
  const name = match?.[1] ?? host
  const explicit = match?.[2] ?? port
  const number = explicit !== undefined && /^\d+$/.test(explicit) ? Number(explicit) : Number.NaN
  return { host: name, port: Number.isNaN(number) ? (scheme === 'https' ? 443 : 80) : number }
}

/** Builds the `http` scope of `request`. */
export function scopeOf(
  request: LambdaRequest,
  options: RootPathOptions,
  state: State,
  event: unknown,
  context: LambdaContext | undefined,
): HTTPScope {
  const headers: HeaderList = []
  const host = first(request.headers, 'host')
  let length = false
  for (const field of request.headers) {
    // The body arrives whole: the client's framing no longer applies, its length is known.
    if (field[0] === 'transfer-encoding') continue
    if (field[0] === 'content-length') length = true
    else headers.push(field)
  }
  if (length || request.body.byteLength > 0)
    headers.push(['content-length', String(request.body.byteLength)])
  const proto = first(headers, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  const scheme = proto === 'http' ? 'http' : 'https'
  const client: Address | null = request.client
  const extension: LambdaExtension = { source: request.source, event, context }
  return {
    type: 'http',
    tsgi: TSGI_VERSION,
    httpVersion: request.httpVersion,
    method: request.method,
    scheme,
    path: decodePath(request.rawPath),
    rawPath: request.rawPath,
    queryString: request.queryString,
    rootPath: rootPathOf(request, options),
    headers,
    client,
    server: serverOf(host, scheme, first(headers, 'x-forwarded-port')),
    state: { ...state },
    extensions: { 'aws.lambda': extension },
  }
}

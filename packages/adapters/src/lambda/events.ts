/**
 * Recognising an invocation event and reading it into one request shape: API Gateway REST
 * (payload 1.0), HTTP API (payload 2.0), Function URLs (2.0 shape) and ALB.
 *
 * @module
 */
import type { Address, HeaderList } from '@tsgi/protocol'
import { badEvent } from './errors.ts'
import {
  bodyOf,
  headerList,
  httpVersionOf,
  isObject,
  latin1,
  queryStringOf,
  rawPathOf,
  startsWithSegment,
} from './request-fields.ts'
import type {
  ALBEvent,
  APIGatewayProxyEventV1,
  APIGatewayProxyEventV2,
  LambdaEventSource,
} from './types.ts'

/** An HTTP request read from an event, before it becomes a scope. */
export interface LambdaRequest {
  /** The integration the event came from. */
  source: LambdaEventSource
  /** ALB only: the event had `multiValueHeaders`, so the result must too. */
  multiValue: boolean
  method: string
  httpVersion: '1.0' | '1.1' | '2'
  /** The path as the client sent it (stage included), percent-encoded. */
  rawPath: string
  /** The stage (or base path) prefix found, before options apply; `''` when none. */
  stagePrefix: string
  queryString: string
  headers: HeaderList
  body: Uint8Array
  /** The client as the integration reports it. */
  client: Address | null
}

/** Adds a `host` field from the request context's domain when the headers lack one. */
function withHost(headers: HeaderList, domain: unknown): HeaderList {
  if (typeof domain !== 'string' || domain === '') return headers
  for (const [name] of headers) if (name === 'host') return headers
  headers.unshift(['host', domain])
  return headers
}

function text(what: string, value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw badEvent(`${what}: ${field} is missing or not a string`)
  return value
}

function clientOf(ip: unknown): Address | null {
  return typeof ip === 'string' && ip !== '' ? { host: ip, port: 0 } : null
}

/** `/{stage}` when `path` starts with it and the stage is a named one. */
function stagePrefixOf(path: string, stage: unknown): string {
  if (typeof stage !== 'string' || stage === '' || stage === '$default') return ''
  const prefix = `/${stage}`
  return startsWithSegment(path, prefix) ? prefix : ''
}

function fromV2(event: APIGatewayProxyEventV2): LambdaRequest {
  const context = event.requestContext
  const what = 'a payload 2.0 event (version "2.0")'
  if (!isObject(context)) throw badEvent(`${what}: requestContext is missing`)
  if (!isObject(context.http)) throw badEvent(`${what}: requestContext.http is missing`)
  const method = text(what, context.http.method, 'requestContext.http.method')
  const rawPath = rawPathOf(text(what, event.rawPath, 'rawPath'))
  const headers = withHost(headerList(what, event.headers, undefined), context.domainName)
  if (event.cookies !== undefined) {
    if (!Array.isArray(event.cookies)) throw badEvent(`${what}: cookies is not an array`)
    // HTTP APIs move the Cookie header into `cookies`: put it back as one field.
    if (event.cookies.length > 0) headers.push(['cookie', latin1(event.cookies.join('; '))])
  }
  const domain = typeof context.domainName === 'string' ? context.domainName : ''
  return {
    source: domain.includes('.lambda-url.') ? 'function-url' : 'apigw-v2',
    multiValue: false,
    method: method.toUpperCase(),
    httpVersion: httpVersionOf(context.http.protocol),
    rawPath,
    stagePrefix: stagePrefixOf(rawPath, context.stage),
    queryString: typeof event.rawQueryString === 'string' ? event.rawQueryString : '',
    headers,
    body: bodyOf(what, event.body, event.isBase64Encoded),
    client: clientOf(context.http.sourceIp),
  }
}

function fromV1(event: APIGatewayProxyEventV1): LambdaRequest {
  const what = 'an API Gateway REST event (httpMethod, path)'
  const context = event.requestContext
  if (!isObject(context)) throw badEvent(`${what}: requestContext is missing`)
  const method = text(what, event.httpMethod, 'httpMethod')
  const path = text(what, event.path, 'path')
  // `path` is the resource path; `requestContext.path` is what the client asked for, with the
  // stage (execute-api domains) or the base path mapping (custom domains) in front of it.
  let rawPath = rawPathOf(path)
  let stagePrefix = ''
  const full = typeof context.path === 'string' ? rawPathOf(context.path) : ''
  if (full.length > rawPath.length && full.endsWith(rawPath) && full.startsWith('/')) {
    stagePrefix = full.slice(0, full.length - rawPath.length).replace(/\/$/, '')
    rawPath = full
  } else if (full !== '' && rawPath === '/' && full !== '/') {
    stagePrefix = full.replace(/\/$/, '')
    rawPath = full
  } else stagePrefix = stagePrefixOf(rawPath, context.stage)
  const identity = isObject(context.identity) ? context.identity : {}
  return {
    source: 'apigw-v1',
    multiValue: false,
    method: method.toUpperCase(),
    httpVersion: httpVersionOf(context.protocol),
    rawPath,
    stagePrefix,
    queryString: queryStringOf(
      what,
      event.queryStringParameters,
      event.multiValueQueryStringParameters,
      true,
    ),
    headers: withHost(headerList(what, event.headers, event.multiValueHeaders), context.domainName),
    body: bodyOf(what, event.body, event.isBase64Encoded),
    client: clientOf(identity.sourceIp),
  }
}

function fromALB(event: ALBEvent): LambdaRequest {
  const what = 'an ALB event (requestContext.elb)'
  const method = text(what, event.httpMethod, 'httpMethod')
  const rawPath = rawPathOf(text(what, event.path, 'path'))
  const multiValue = isObject(event.multiValueHeaders)
  const headers = headerList(what, event.headers, event.multiValueHeaders)
  // The ALB appends the peer it saw to X-Forwarded-For: the last entry is the client.
  let forwarded = ''
  for (const [name, value] of headers) if (name === 'x-forwarded-for') forwarded = value
  const client = forwarded.split(',').pop()?.trim()
  return {
    source: 'alb',
    multiValue,
    method: method.toUpperCase(),
    httpVersion: '1.1',
    rawPath,
    stagePrefix: '',
    // The ALB does not decode query parameters: they are joined back as received.
    queryString: queryStringOf(
      what,
      event.queryStringParameters,
      event.multiValueQueryStringParameters,
      false,
    ),
    headers,
    body: bodyOf(what, event.body, event.isBase64Encoded),
    client: clientOf(client),
  }
}

/**
 * Reads an invocation event, or throws a `LambdaAdapterError`
 * (`TSGI_ADAPTERS_ERR_LAMBDA_EVENT`) naming what is missing.
 */
export function parseEvent(event: unknown): LambdaRequest {
  if (!isObject(event))
    throw badEvent(
      `the event must be an object, got ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`,
    )
  if (event.version === '2.0') return fromV2(event as unknown as APIGatewayProxyEventV2)
  const context = event.requestContext
  if (isObject(context) && isObject(context.elb)) return fromALB(event as unknown as ALBEvent)
  if ('httpMethod' in event || event.version === '1.0')
    return fromV1(event as unknown as APIGatewayProxyEventV1)
  throw badEvent(
    'not an HTTP event of a known shape: expected version "2.0" (HTTP API, Function URL), ' +
      'requestContext.elb (ALB) or httpMethod (REST API); ' +
      `the event has ${Object.keys(event).slice(0, 8).join(', ') || 'no fields'}`,
  )
}

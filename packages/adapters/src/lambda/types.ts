/**
 * The shapes of the AWS events and results `toLambda` handles, reduced to the fields it reads
 * or writes (the events carry more; see the AWS documentation of each integration).
 *
 * @module
 */

/** A string map as API Gateway and ALB send it; `null` when empty (API Gateway v1). */
export type StringMap = Record<string, string | undefined> | null
/** A multi-value string map (API Gateway v1, ALB with multi-value headers on). */
export type MultiValueMap = Record<string, readonly string[] | undefined> | null

/** API Gateway REST API (payload format 1.0) proxy event. */
export interface APIGatewayProxyEventV1 {
  version?: '1.0'
  resource?: string
  path: string
  httpMethod: string
  headers?: StringMap
  multiValueHeaders?: MultiValueMap
  queryStringParameters?: StringMap
  multiValueQueryStringParameters?: MultiValueMap
  requestContext: {
    stage?: string
    path?: string
    protocol?: string
    domainName?: string
    identity?: { sourceIp?: string | null } | null
    [key: string]: unknown
  }
  body?: string | null
  isBase64Encoded?: boolean
}

/** API Gateway HTTP API (payload format 2.0) event; Lambda Function URLs send the same shape. */
export interface APIGatewayProxyEventV2 {
  version: '2.0'
  routeKey?: string
  rawPath: string
  rawQueryString?: string
  cookies?: readonly string[]
  headers?: Record<string, string | undefined>
  requestContext: {
    stage?: string
    domainName?: string
    http: { method: string; path?: string; protocol?: string; sourceIp?: string }
    [key: string]: unknown
  }
  body?: string
  isBase64Encoded?: boolean
}

/** Application Load Balancer event (with or without multi-value headers). */
export interface ALBEvent {
  requestContext: { elb: { targetGroupArn?: string } }
  httpMethod: string
  path: string
  headers?: StringMap
  multiValueHeaders?: MultiValueMap
  queryStringParameters?: StringMap
  multiValueQueryStringParameters?: MultiValueMap
  body?: string | null
  isBase64Encoded?: boolean
}

/** Any HTTP event `toLambda` understands. */
export type LambdaHTTPEvent = APIGatewayProxyEventV1 | APIGatewayProxyEventV2 | ALBEvent

/** Which integration an event came from. */
export type LambdaEventSource = 'apigw-v1' | 'apigw-v2' | 'function-url' | 'alb'

/** The Lambda context object, as far as the adapter cares (it is passed on untouched). */
export interface LambdaContext {
  awsRequestId?: string
  functionName?: string
  getRemainingTimeInMillis?: () => number
  [key: string]: unknown
}

/** Result for API Gateway v1: every header in `multiValueHeaders`, `set-cookie` values kept apart. */
export interface APIGatewayProxyResultV1 {
  statusCode: number
  multiValueHeaders: Record<string, string[]>
  body: string
  isBase64Encoded: boolean
}

/** Result for API Gateway v2 and Function URLs: cookies in `cookies`, other duplicates joined. */
export interface APIGatewayProxyResultV2 {
  statusCode: number
  headers: Record<string, string>
  cookies: string[]
  body: string
  isBase64Encoded: boolean
}

/** Result for an ALB: `multiValueHeaders` exactly when the event had them, else `headers`. */
export interface ALBResult {
  statusCode: number
  statusDescription: string
  headers?: Record<string, string>
  multiValueHeaders?: Record<string, string[]>
  body: string
  isBase64Encoded: boolean
}

/** What a buffered invocation resolves with. */
export type LambdaResult = APIGatewayProxyResultV1 | APIGatewayProxyResultV2 | ALBResult

/** The response stream the Node.js runtime hands a streamified handler (a node `Writable`). */
export type ResponseStream = NodeJS.WritableStream & {
  destroy(error?: Error): unknown
  readonly writableFinished?: boolean
  readonly destroyed?: boolean
}

/** The HTTP prelude of a streamed response. */
export interface StreamPrelude {
  statusCode: number
  headers: Record<string, string>
  cookies: string[]
}

/** The `awslambda` global of the AWS Lambda Node.js runtime (the part the adapter uses). */
export interface AwsLambdaGlobal {
  streamifyResponse(
    handler: (event: unknown, stream: ResponseStream, context: LambdaContext) => Promise<void>,
  ): unknown
  HttpResponseStream: { from(stream: ResponseStream, prelude: StreamPrelude): ResponseStream }
}

/**
 * `@tsgi/adapters/lambda`: TSGI applications as AWS Lambda handlers (API Gateway REST and HTTP
 * APIs, ALB, Function URLs), buffered or streamed through `awslambda.streamifyResponse`.
 *
 * @module
 */
export { type BinaryPredicate, isBinaryResponse } from './binary.ts'
export { LambdaAdapterError, LambdaAdapterErrorCode } from './errors.ts'
export type { LambdaExtension } from './scope.ts'
export { type LambdaHandler, type ToLambdaOptions, toLambda } from './to-lambda.ts'
export type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEventV1,
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV1,
  APIGatewayProxyResultV2,
  AwsLambdaGlobal,
  LambdaContext,
  LambdaEventSource,
  LambdaHTTPEvent,
  LambdaResult,
  ResponseStream,
  StreamPrelude,
} from './types.ts'

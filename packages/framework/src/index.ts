/**
 * `@tsgi/framework`: a typed web framework whose app is a TSGI application.
 * Built-in middleware is in `@tsgi/framework/middleware`; the testing kit (in-memory client, tests
 * run in memory and over a socket) in `@tsgi/framework/testing`, which this entry never loads.
 *
 * @module
 */
export {
  type App,
  type AppLogger,
  type AppMethods,
  type AppOptions,
  createApp,
  type LifespanHook,
} from './app.ts'
export { type CookieOptions, parseCookies, serializeCookie } from './cookies.ts'
export type { DispatcherOptions } from './dispatcher.ts'
export {
  BadRequestError,
  ConflictError,
  ContentTooLargeError,
  DuplicateRouteError,
  defaultErrorCode,
  type FieldIssue,
  ForbiddenError,
  FrameworkErrorCode,
  type FrameworkErrorCodeValue,
  HandlerResultError,
  HTTPError,
  type HTTPErrorClass,
  type HTTPErrorOptions,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableContentError,
  UnsupportedMediaTypeError,
} from './errors.ts'
export { type HeadersInit, RequestHeaders, ResponseHeaders } from './headers.ts'
export {
  compose,
  createMiddleware,
  type Locals,
  type LocalsOf,
  type Middleware,
  type MiddlewareRequest,
  type MiddlewareResult,
  type Next,
} from './middleware.ts'
export { parseQuery, type Query } from './query.ts'
export { type AfterTask, type DefaultTypes, Request, type RequestTypes } from './request.ts'
export { type JSONResult, toResponse } from './respond.ts'
export {
  bytes,
  type Charset,
  empty,
  type FileBody,
  type FileOptions,
  file,
  html,
  json,
  Response,
  type ResponseBody,
  type ResponseInit,
  redirect,
  stream,
  text,
} from './response.ts'
export { type ParamNames, type PathParams, RoutePatternError } from './router/path.ts'
export {
  type ErrorHandler,
  type Handler,
  type HandlerResult,
  type RouteOptions,
  Router,
  type RouterOptions,
  type RouteTypes,
  type WebSocketHandler,
  type WithLocals,
} from './router/router.ts'
export { type SSEEvent, type SSEOptions, sse } from './sse.ts'
export { Status, type StatusCode } from './status.ts'
export type { Extractor, Validated, Validator } from './validation.ts'
export { type Message, type SocketState, WebSocket } from './websocket.ts'

/**
 * `toLambda()`: a TSGI application as an AWS Lambda handler for API Gateway (REST and HTTP
 * APIs), ALB and Function URL events, buffered or streamed.
 *
 * @module
 */
import { type Application, LifespanRunner, type State } from '@tsgi/protocol'
import { type BinaryPredicate, isBinaryResponse } from './binary.ts'
import { runBuffered } from './buffered.ts'
import { LambdaAdapterError, LambdaAdapterErrorCode } from './errors.ts'
import { parseEvent } from './events.ts'
import { scopeOf } from './scope.ts'
import { runStreaming } from './streaming.ts'
import type { AwsLambdaGlobal, LambdaContext, LambdaResult } from './types.ts'

/** Options of {@link toLambda}. */
export interface ToLambdaOptions {
  /**
   * `auto` (default): run the lifespan if the app supports it; `on`: an app rejecting the
   * lifespan scope is an error; `off`: never run it.
   */
  lifespan?: 'auto' | 'on' | 'off'
  /**
   * Run lifespan shutdown on `SIGTERM`, then exit. Lambda sends `SIGTERM` before it ends an
   * execution environment only when an extension is registered; without one, shutdown never
   * runs. Default `false`.
   */
  shutdownOnSigterm?: boolean
  /**
   * `off` (default): buffer the response and return the integration's JSON result. `on`: wrap
   * the handler with `awslambda.streamifyResponse` (a `LambdaAdapterError` when that global is
   * absent). `auto`: stream when the global is present. Streaming needs the function's invoke
   * mode to be `RESPONSE_STREAM`; the global is there in every Node.js runtime whatever the mode,
   * so streaming is asked for, never guessed.
   */
  streaming?: 'auto' | 'on' | 'off'
  /**
   * A fixed mount prefix (like mangum's `api_gateway_base_path`): when the request path begins
   * with it, it becomes `scope.rootPath`. Replaces the stage inference.
   */
  rootPath?: string
  /**
   * `true` (default): the stage (`/prod` on execute-api domains) or base path mapping in front
   * of the route becomes `scope.rootPath`. `false`: `rootPath` is `''` and the prefix is part of
   * the path the app routes on.
   */
  stripStage?: boolean
  /**
   * Whether a buffered response body is binary (sent base64). Default: by content type, see
   * {@link isBinaryResponse}.
   */
  isBinary?: BinaryPredicate
  /** Called with application errors (a 500 was answered, or the stream was cut). Default `console.error`. */
  onError?: (error: unknown) => void
}

/** What {@link toLambda} returns: a Lambda handler with lifespan controls. */
export interface LambdaHandler {
  /**
   * Answers one invocation. Buffered: `(event, context)` resolves with the integration's result.
   * Streamed: the runtime calls it as `(event, responseStream, context)` and it resolves with
   * `undefined` once the stream ended.
   */
  (event: unknown, ...rest: unknown[]): Promise<LambdaResult | undefined>
  /** Whether the handler streams (it was wrapped by `awslambda.streamifyResponse`). */
  readonly streaming: boolean
  /** Runs lifespan startup (once per execution environment); rejects if it failed. */
  ready(): Promise<void>
  /** Runs lifespan shutdown (after startup ran). */
  close(): Promise<void>
}

function runtimeGlobal(): AwsLambdaGlobal | undefined {
  const candidate = (globalThis as { awslambda?: Partial<AwsLambdaGlobal> }).awslambda
  if (
    typeof candidate?.streamifyResponse === 'function' &&
    typeof candidate.HttpResponseStream?.from === 'function'
  )
    return candidate as AwsLambdaGlobal
  return undefined
}

/**
 * Wraps a TSGI application as an AWS Lambda handler. The event's shape (API Gateway REST or
 * HTTP API, ALB with or without multi-value headers, Function URL) picks the request reading
 * and the result's shape; an event of no known shape rejects the invocation with a
 * `LambdaAdapterError` (`TSGI_ADAPTERS_ERR_LAMBDA_EVENT`). Lifespan startup runs once per
 * execution environment, at the first invocation; its state reaches every request scope.
 *
 * @example
 * ```ts
 * import { toLambda } from '@tsgi/adapters/lambda'
 * export const handler = toLambda(app)
 * ```
 */
export function toLambda(app: Application, options: ToLambdaOptions = {}): LambdaHandler {
  const onError = options.onError ?? ((error: unknown) => console.error(error))
  const isBinary = options.isBinary ?? isBinaryResponse
  const mode = options.lifespan ?? 'auto'
  const roots = { rootPath: options.rootPath, stripStage: options.stripStage }
  const runtime = options.streaming === 'off' ? undefined : runtimeGlobal()
  if (options.streaming === 'on' && runtime === undefined)
    throw new LambdaAdapterError(
      LambdaAdapterErrorCode.streaming,
      "toLambda: streaming: 'on' needs the awslambda global of the AWS Lambda Node.js runtime " +
        '(awslambda.streamifyResponse and awslambda.HttpResponseStream.from)',
    )
  const streaming = runtime !== undefined && options.streaming !== undefined

  let runner: LifespanRunner | undefined
  let started: Promise<void> | undefined
  const ready = (): Promise<void> => {
    if (mode === 'off') return Promise.resolve()
    if (started === undefined) {
      const lifespan = new LifespanRunner()
      lifespan.onError = onError
      runner = lifespan
      started = lifespan.start(app, mode).then(
        () => {},
        (error: unknown) => {
          // A failed startup fails this invocation; the next one tries again (a database that
          // was briefly unreachable should not condemn the environment until Lambda recycles it).
          started = undefined
          runner = undefined
          onError(error)
          throw error
        },
      )
    }
    return started
  }
  const state = (): State => runner?.state ?? {}
  const close = async (): Promise<void> => {
    if (started === undefined || runner === undefined) return
    await started
    await runner.stop()
  }
  if (options.shutdownOnSigterm === true) {
    process.once('SIGTERM', () => {
      close()
        .catch(onError)
        .finally(() => process.exit(0))
    })
  }

  let handler: (event: unknown, ...rest: unknown[]) => Promise<LambdaResult | undefined>
  if (streaming) {
    const wrapped = runtime.streamifyResponse(async (event, stream, context) => {
      const request = parseEvent(event)
      await ready()
      const scope = scopeOf(request, roots, state(), event, context)
      await runStreaming(app, scope, request, stream, runtime, onError)
    })
    handler = wrapped as typeof handler
  } else {
    handler = async (event, context) => {
      const request = parseEvent(event)
      await ready()
      const scope = scopeOf(request, roots, state(), event, context as LambdaContext | undefined)
      return runBuffered(app, scope, request, isBinary, onError)
    }
  }
  return Object.assign(handler, { streaming, ready, close })
}

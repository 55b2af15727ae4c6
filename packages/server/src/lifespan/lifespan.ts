/**
 * The server's side of the lifespan: `auto`/`on`/`off`, with the logging an operator expects.
 *
 * @module
 */
import { type Application, LifespanRunner, type State } from '@tsgi/protocol'
import type { ServerLifespanMode } from '../config/options.ts'
import { ServerError, ServerErrorCode } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'

/** Runs startup; resolves with the runner (for shutdown), or throws `TSGI_SERVER_ERR_STARTUP`. */
export async function startLifespan(
  app: Application,
  mode: ServerLifespanMode,
  state: State,
  logger: Logger,
): Promise<LifespanRunner> {
  const runner = new LifespanRunner(state)
  if (mode === 'off') return runner
  runner.onError = (error) => logger.error('exception in lifespan after startup', error)
  logger.debug('waiting for application startup')
  try {
    await runner.start(app, mode)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    logger.error(
      `application startup failed: ${message}`,
      mode === 'on' && !(error as { code?: string }).code ? error : undefined,
    )
    throw new ServerError(ServerErrorCode.startup, `application startup failed: ${message}`, {
      cause: error,
    })
  }
  if (runner.supported) logger.info('application startup complete')
  else if (runner.appError !== undefined) {
    const why = runner.appError instanceof Error ? runner.appError.message : String(runner.appError)
    logger.info(
      `lifespan unsupported by the application (it rejected the lifespan scope: ${why}); serving without it`,
    )
  } else
    logger.info('lifespan unsupported by the application (it returned at once); serving without it')
  return runner
}

/** Runs shutdown; throws `TSGI_SERVER_ERR_SHUTDOWN` if the application reported failure. */
export async function stopLifespan(runner: LifespanRunner, logger: Logger): Promise<void> {
  if (!runner.supported) return
  logger.debug('waiting for application shutdown')
  try {
    await runner.stop()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    logger.error(`application shutdown failed: ${message}`)
    throw new ServerError(ServerErrorCode.shutdown, `application shutdown failed: ${message}`, {
      cause: error,
    })
  }
  logger.info('application shutdown complete')
}

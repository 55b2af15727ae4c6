/**
 * Tying a queue to an application's lifespan: start the workers on startup, drain them on
 * shutdown. For any TSGI application (`withQueue`), and for apps with startup/shutdown hooks
 * such as @tsgi/framework's (`attachQueue`, typed structurally: no dependency on it).
 *
 * @module
 */
import type {
  Application,
  LifespanIncomingEvent,
  LifespanOutgoingEvent,
  ReceiveEvent,
  SendEvent,
  State,
} from '@tsgi/protocol'
import type { Queue } from './queue.ts'
import type { ShutdownReport } from './types.ts'

/** What to do with the shutdown report (default: a warning when jobs were returned or left queued). */
export type ReportHandler = (report: ShutdownReport) => void

const defaultReport: ReportHandler = (report) => {
  if (report.returned.length > 0 || report.queued > 0)
    process.emitWarning(
      `tasks: ${report.returned.length} job(s) returned to the queue at shutdown (${report.returned.join(', ') || 'none'}), ${report.queued} still queued`,
    )
}

/** Drives the wrapped app's own lifespan through a private receive/send pair. */
class InnerLifespan {
  private readonly incoming: LifespanIncomingEvent[] = []
  private readonly answers: LifespanOutgoingEvent[] = []
  private wakeReceive: (() => void) | null = null
  private wakeAnswer: (() => void) | null = null
  /** Settles when the app's lifespan call returns or throws; `false` if it threw at once. */
  readonly running: Promise<void>
  supported = true

  constructor(app: Application, scope: Parameters<Application>[0]) {
    this.running = app(scope, this.receive, this.send).catch(() => {
      this.supported = false
    })
  }

  private readonly receive = (): Promise<ReceiveEvent> =>
    new Promise((resolve) => {
      const take = () => resolve(this.incoming.shift()!)
      if (this.incoming.length > 0) take()
      else this.wakeReceive = take
    })

  private readonly send = async (event: SendEvent): Promise<void> => {
    this.answers.push(event as LifespanOutgoingEvent)
    const wake = this.wakeAnswer
    this.wakeAnswer = null
    wake?.()
  }

  /** Delivers `type` and waits for the answer (`null` if the app returned or threw instead). */
  ask(type: LifespanIncomingEvent['type']): Promise<LifespanOutgoingEvent | null> {
    this.incoming.push({ type })
    const wake = this.wakeReceive
    this.wakeReceive = null
    wake?.()
    return new Promise((resolve) => {
      if (this.answers.length > 0) return resolve(this.answers.shift()!)
      this.wakeAnswer = () => resolve(this.answers.shift()!)
      this.running.then(() => resolve(null))
    })
  }
}

/**
 * Wraps a TSGI application: the queue starts after the app's own lifespan startup, and stops
 * (drains) before the app's shutdown. The app may have no lifespan of its own.
 */
export function withQueue<S extends State>(
  app: Application<S>,
  queue: Queue,
  onReport: ReportHandler = defaultReport,
): Application<S> {
  return async (scope, receive, send) => {
    if (scope.type !== 'lifespan') return app(scope, receive, send)
    const inner = new InnerLifespan(app as Application, scope)
    for (;;) {
      const event = await receive()
      if (event.type === 'lifespan.startup') {
        const answer = inner.supported ? await inner.ask('lifespan.startup') : null
        if (answer === null) inner.supported = false
        else if (answer.type === 'lifespan.startup.failed') return send(answer)
        try {
          await queue.start()
        } catch (error) {
          return send({
            type: 'lifespan.startup.failed',
            message: `tasks: ${(error as Error).message}`,
          })
        }
        await send({ type: 'lifespan.startup.complete' })
      } else if (event.type === 'lifespan.shutdown') {
        onReport(await queue.close())
        const answer = inner.supported ? await inner.ask('lifespan.shutdown') : null
        return send(answer ?? { type: 'lifespan.shutdown.complete' })
      }
    }
  }
}

/** An app with ordered lifespan hooks (e.g. @tsgi/framework's `createApp()`). */
export interface HasLifespanHooks {
  onStartup(hook: () => unknown): unknown
  onShutdown(hook: () => unknown): unknown
}

/** Registers hooks that start the queue at startup and drain it at shutdown. */
export function attachQueue(
  app: HasLifespanHooks,
  queue: Queue,
  onReport: ReportHandler = defaultReport,
): void {
  app.onStartup(() => queue.start())
  app.onShutdown(async () => onReport(await queue.close()))
}

import { type Application, UnsupportedScopeError } from '@tsgi/protocol'
import { type Logger, type LogLevel, type Sink, serve } from '@tsgi/server'

/**
 * One JSON object per line, in a shape of your own (`--log-format json` writes pino's). The
 * server takes any `Logger` (`serve(app, { logger })`), and gives `access` the request's fields.
 */
export function jsonLogger(sink: Sink = process.stderr, level: LogLevel = 'info'): Logger {
  const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 }
  const enabled = (l: LogLevel) => rank[l] <= rank[level]
  const write = (l: LogLevel, msg: string, extra: object = {}) => {
    if (!enabled(l)) return
    const record = { time: new Date().toISOString(), level: l, msg, ...extra }
    sink.write(`${JSON.stringify(record)}\n`)
  }
  return {
    enabled,
    error: (msg, error) =>
      write('error', msg, error instanceof Error ? { stack: error.stack } : {}),
    warn: (msg) => write('warn', msg),
    info: (msg) => write('info', msg),
    debug: (msg) => write('debug', msg),
    access: (line, entry) => write('info', line, { access: true, ...entry }), // one request
  }
}

export const app: Application = async (scope, _receive, send) => {
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  await send({ type: 'http.response.start', status: 204 })
  await send({ type: 'http.response.body' })
}

export async function main(): Promise<unknown> {
  const lines: string[] = []
  const server = await serve(app, { port: 0, logger: jsonLogger({ write: (t) => lines.push(t) }) })
  await fetch(`${server.url}/ping`)
  await server.close()
  const records = lines.map(
    (line) => JSON.parse(line) as { time: string; msg: string; status?: number },
  )
  const access = records
    .filter((r) => 'access' in r)
    .map((r) => `${/"[^"]*"/.exec(r.msg)?.[0]} ${r.status}`)
  return { timestamped: records.every((r) => !Number.isNaN(Date.parse(r.time))), access }
}

/** Option validation (every bad value is a TSGI_SERVER_ERR_OPTION naming the option) and the logger. */
import { describe, expect, test } from 'vitest'
import {
  createLogger,
  DEFAULTS,
  resolveOptions,
  ServerError,
  type ServerOptions,
} from '../src/index.ts'

describe('resolveOptions', () => {
  test('defaults are explicit and documented values', () => {
    const o = resolveOptions()
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      rootPath: '',
      lifespan: 'auto',
      timeoutKeepAlive: DEFAULTS.timeoutKeepAlive,
      timeoutGracefulShutdown: 25,
      maxHeaderSize: 16384,
      serverHeader: true,
      dateHeader: true,
      accessLog: true,
      limitConcurrency: undefined,
    })
    // Longer than the 60 s idle timeout of common load balancers, so they close first.
    expect(o.timeoutKeepAlive).toBeGreaterThan(60)
  })

  const bad: Array<[string, ServerOptions, RegExp]> = [
    ['port below 0', { port: -1 }, /invalid option port: expected an integer >= 0, got -1/],
    ['fractional port', { port: 1.5 }, /invalid option port/],
    ['NaN timeout', { timeoutKeepAlive: Number.NaN }, /invalid option timeoutKeepAlive/],
    ['limitConcurrency 0', { limitConcurrency: 0 }, /invalid option limitConcurrency/],
    ['tiny maxHeaderSize', { maxHeaderSize: 10 }, /invalid option maxHeaderSize: .*>= 1024/],
    ['rootPath without /', { rootPath: 'api' }, /invalid option rootPath/],
    ['rootPath ending in /', { rootPath: '/api/' }, /invalid option rootPath/],
    [
      'unknown lifespan',
      { lifespan: 'maybe' as 'on' },
      /invalid option lifespan: expected auto, on or off/,
    ],
    ['unknown log level', { logLevel: 'trace' as 'info' }, /invalid option logLevel/],
    ['header with CRLF', { headers: [['x-a', 'b\r\nc']] }, /invalid option headers/],
    ['header name not a token', { headers: [['x a', 'b']] }, /invalid option headers/],
    ['ssl key alone', { sslKeyfile: 'k.pem' }, /invalid option ssl/],
    ['ws max size 0', { wsMaxSize: 0 }, /invalid option wsMaxSize/],
  ]
  test.each(bad)('%s', (_name, options, message) => {
    let error: unknown
    try {
      resolveOptions(options)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ServerError)
    expect((error as ServerError).code).toBe('TSGI_SERVER_ERR_OPTION')
    expect((error as Error).message).toMatch(message)
  })
})

describe('createLogger', () => {
  function sinks() {
    const err: string[] = []
    const out: string[] = []
    return {
      err,
      out,
      stderr: { write: (t: string) => err.push(t) },
      stdout: { write: (t: string) => out.push(t) },
    }
  }

  test('levels filter lines; errors carry their stack', () => {
    const s = sinks()
    const logger = createLogger({ level: 'warn', stderr: s.stderr, stdout: s.stdout })
    logger.info('hidden')
    logger.debug('hidden')
    logger.warn('careful')
    logger.error('failed', new Error('boom'))
    expect(s.err[0]).toBe('WARN  careful\n')
    expect(s.err[1]).toMatch(/^ERROR failed\nError: boom\n\s+at /)
    expect(s.err).toHaveLength(2)
    expect(logger.enabled('warn')).toBe(true)
    expect(logger.enabled('info')).toBe(false)
  })

  test('access lines are batched into one write per event-loop turn', async () => {
    const s = sinks()
    const logger = createLogger({ stderr: s.stderr, stdout: s.stdout })
    logger.access('a')
    logger.access('b')
    expect(s.out).toEqual([])
    await new Promise((r) => setImmediate(r))
    expect(s.out).toEqual(['a\nb\n'])
  })

  test('a large batch is flushed at once rather than held', () => {
    const s = sinks()
    const logger = createLogger({ stderr: s.stderr, stdout: s.stdout })
    logger.access('x'.repeat(70_000))
    expect(s.out).toHaveLength(1)
  })

  test('access lines off, or below info: nothing written', async () => {
    const s = sinks()
    createLogger({ accessLog: false, stderr: s.stderr, stdout: s.stdout }).access('a')
    createLogger({ level: 'warn', stderr: s.stderr, stdout: s.stdout }).access('b')
    await new Promise((r) => setImmediate(r))
    expect(s.out.join('')).toBe('')
  })

  test('a non-Error thrown value is logged as text', () => {
    const s = sinks()
    createLogger({ stderr: s.stderr, stdout: s.stdout }).error('failed', 'just a string')
    expect(s.err).toEqual(['ERROR failed\njust a string\n'])
  })
})

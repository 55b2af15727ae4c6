/** Option validation (every bad value is a TSGI_SERVER_ERR_OPTION naming the option) and the logger. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import {
  createLogger,
  DEFAULTS,
  resolveOptions,
  ServerError,
  type ServerOptions,
} from '../src/index.ts'

const tlsFile = (name: string) => fileURLToPath(new URL(`./tls/${name}`, import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'tsgi-options-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const notASocket = join(dir, 'plain-file')
writeFileSync(notASocket, 'not a socket')
const otherKey = join(dir, 'other-key.pem')
writeFileSync(
  otherKey,
  // A valid key that is not the certificate's.
  (await import('node:crypto'))
    .generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' }),
)

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
      logFormat: 'text',
      logTime: false,
      limitConcurrency: undefined,
    })
    // Longer than the 60 s idle timeout of common load balancers, so they close first.
    expect(o.timeoutKeepAlive).toBeGreaterThan(60)
  })

  const bad: Array<[string, ServerOptions, RegExp]> = [
    [
      'port below 0',
      { port: -1 },
      /invalid option port: expected an integer from 0 to 65535, got -1/,
    ],
    ['port above 65535', { port: 70000 }, /invalid option port: .* got 70000/],
    ['fractional port', { port: 1.5 }, /invalid option port/],
    ['port as a string', { port: '80' as unknown as number }, /invalid option port: .* got "80"/],
    [
      'host with a space',
      { host: 'bad host' },
      /invalid option host: expected an IP address or a host name/,
    ],
    ['host with a slash', { host: 'a/b' }, /invalid option host/],
    ['host label too long', { host: `${'a'.repeat(64)}.com` }, /invalid option host/],
    ['bracketed IPv6 host', { host: '[::1]' }, /invalid option host: .*without brackets: ::1/],
    ['empty host', { host: '' }, /invalid option host/],
    [
      'garbage trusted proxy',
      { forwardedAllowIps: ['garbage'] },
      /invalid option forwardedAllowIps: not an IP address or CIDR: "garbage"/,
    ],
    [
      'IPv4 prefix over 32',
      { forwardedAllowIps: ['10.0.0.0/33'] },
      /forwardedAllowIps: .*from 0 to 32/,
    ],
    [
      'IPv6 prefix over 128',
      { forwardedAllowIps: ['::/129'] },
      /forwardedAllowIps: .*from 0 to 128/,
    ],
    [
      'prefix not a number',
      { forwardedAllowIps: ['10.0.0.0/x'] },
      /invalid option forwardedAllowIps/,
    ],
    [
      'no trusted proxy at all',
      { forwardedAllowIps: [] },
      /forwardedAllowIps: expected at least one/,
    ],
    [
      'trusted proxies not a list',
      { forwardedAllowIps: '*' as unknown as string[] },
      /forwardedAllowIps: expected a list/,
    ],
    [
      'uds in a missing directory',
      { uds: '/nonexistent-dir/app.sock' },
      /invalid option uds: the directory \/nonexistent-dir does not exist/,
    ],
    [
      'uds path too long',
      { uds: `/tmp/${'s'.repeat(120)}.sock` },
      /invalid option uds: the path is \d+ bytes long/,
    ],
    [
      'uds on a regular file',
      { uds: notASocket },
      /invalid option uds: .* exists and is not a socket/,
    ],
    ['empty uds', { uds: '' }, /invalid option uds: expected a non-empty path/],
    [
      'timeout over what a timer takes',
      { timeoutKeepAlive: 3_000_000 },
      /invalid option timeoutKeepAlive: expected a number from 0 to 2147483/,
    ],
    [
      'infinite timeout',
      { timeoutGracefulShutdown: Number.POSITIVE_INFINITY },
      /invalid option timeoutGracefulShutdown/,
    ],
    ['tiny maxUrlLength', { maxUrlLength: 10 }, /invalid option maxUrlLength: .*>= 64/],
    [
      'a boolean that is not',
      { proxyHeaders: 'yes' as unknown as boolean },
      /invalid option proxyHeaders: expected true or false/,
    ],
    [
      'misspelt option',
      { maxHeaderSzie: 1 } as ServerOptions,
      /invalid option maxHeaderSzie: unknown option/,
    ],
    [
      'logger without methods',
      { logger: {} as never },
      /invalid option logger: expected a Logger, missing enabled/,
    ],
    [
      'state not an object',
      { state: 5 as never },
      /invalid option state: expected an object, got number/,
    ],
    [
      'signal not a signal',
      { signal: {} as AbortSignal },
      /invalid option signal: expected an AbortSignal/,
    ],
    ['ssl cert alone', { sslCertfile: tlsFile('cert.pem') }, /invalid option sslKeyfile: missing/],
    [
      'unreadable key file',
      { sslKeyfile: '/nonexistent/key.pem', sslCertfile: tlsFile('cert.pem') },
      /invalid option sslKeyfile: cannot read \/nonexistent\/key\.pem: ENOENT/,
    ],
    [
      'key file that is not a key',
      { sslKeyfile: tlsFile('cert.pem'), sslCertfile: tlsFile('cert.pem') },
      /invalid option sslKeyfile: .*not a usable PEM private key/,
    ],
    [
      'cert file that is not a cert',
      { sslKeyfile: tlsFile('key.pem'), sslCertfile: tlsFile('key.pem') },
      /invalid option sslCertfile: .*not a usable PEM certificate/,
    ],
    [
      'key of another certificate',
      { sslKeyfile: otherKey, sslCertfile: tlsFile('cert.pem') },
      /invalid option sslKeyfile: .*does not match the certificate/,
    ],
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
    [
      'unknown log format',
      { logFormat: 'xml' as 'json' },
      /^invalid option logFormat: expected text or json, got "xml"$/,
    ],
    [
      'log format not a string',
      { logFormat: 1 as unknown as 'json' },
      /^invalid option logFormat: expected text or json, got 1$/,
    ],
    [
      'log time not a boolean',
      { logTime: 'yes' as unknown as boolean },
      /^invalid option logTime: expected true or false, got string$/,
    ],
    ['header with CRLF', { headers: [['x-a', 'b\r\nc']] }, /invalid option headers/],
    ['header name not a token', { headers: [['x a', 'b']] }, /invalid option headers/],
    ['ssl key alone', { sslKeyfile: 'k.pem' }, /invalid option sslCertfile: missing/],
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
    // The option at fault, for the CLI to name its flag.
    expect((error as ServerError).message).toMatch(
      new RegExp(`^invalid option ${(error as ServerError).option}: `),
    )
  })

  test('good values of the checked options are accepted', () => {
    for (const host of ['0.0.0.0', '::', '::1', 'localhost', 'api.example.com', 'example.com.'])
      expect(resolveOptions({ host }).host).toBe(host)
    expect(resolveOptions({ port: 65535 }).port).toBe(65535)
    expect(
      resolveOptions({ forwardedAllowIps: ['*', '10.0.0.0/8', '::ffff:0:0/96', '192.168.1.1'] })
        .forwardedAllowIps,
    ).toHaveLength(4)
    expect(resolveOptions({ uds: join(dir, 'app.sock') }).uds).toBe(join(dir, 'app.sock'))
    expect(
      resolveOptions({ sslKeyfile: tlsFile('key.pem'), sslCertfile: tlsFile('cert.pem') }),
    ).toMatchObject({ sslKeyfile: tlsFile('key.pem') })
    // An option given as undefined is an option not given (spreading partial objects).
    expect(resolveOptions({ port: undefined, backlog: undefined }).port).toBe(8000)
    expect(resolveOptions({ timeoutKeepAlive: 2_147_483 }).timeoutKeepAlive).toBe(2_147_483)
    expect(resolveOptions({ logFormat: 'json', logTime: true })).toMatchObject({
      logFormat: 'json',
      logTime: true,
    })
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

  test('a prefix goes after the level on log lines, never on access lines', async () => {
    const s = sinks()
    const logger = createLogger({ prefix: '[worker 2 pid 7]', stderr: s.stderr, stdout: s.stdout })
    logger.info('ready')
    logger.error('failed', new Error('boom'))
    logger.access('127.0.0.1:1 - "GET / HTTP/1.1" 200')
    await new Promise((r) => setImmediate(r))
    expect(s.err[0]).toBe('INFO  [worker 2 pid 7] ready\n')
    expect(s.err[1]).toMatch(/^ERROR \[worker 2 pid 7\] failed\nError: boom\n/)
    expect(s.out).toEqual(['127.0.0.1:1 - "GET / HTTP/1.1" 200\n'])
  })

  test('a non-Error thrown value is logged as text', () => {
    const s = sinks()
    createLogger({ stderr: s.stderr, stdout: s.stdout }).error('failed', 'just a string')
    expect(s.err).toEqual(['ERROR failed\njust a string\n'])
  })
})

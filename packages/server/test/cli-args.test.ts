/** Parsing the command line into server options. */
import { describe, expect, test } from 'vitest'
import { cliMessage, parseCliArgs } from '../src/cli/args.ts'
import { FLAGS, flagOf, helpText } from '../src/cli/flags.ts'
import { splitTarget } from '../src/cli/load.ts'
import { DEFAULTS, resolveOptions, ServerError, ServerErrorCode } from '../src/index.ts'

describe('parseCliArgs', () => {
  test('every flag maps onto its option', () => {
    const command = parseCliArgs([
      'app.ts:api',
      '--host',
      '0.0.0.0',
      '--port',
      '9000',
      '--root-path',
      '/api',
      '--lifespan',
      'on',
      '--timeout-keep-alive',
      '75',
      '--timeout-graceful-shutdown',
      '10',
      '--timeout-headers',
      '5',
      '--timeout-request-body',
      '7',
      '--limit-concurrency',
      '100',
      '--max-header-size',
      '8192',
      '--max-url-length',
      '4096',
      '--proxy-headers',
      '--forwarded-allow-ips',
      '10.0.0.0/8, 192.168.0.1',
      '--ssl-keyfile',
      'k.pem',
      '--ssl-certfile',
      'c.pem',
      '--header',
      'x-a: 1',
      '--header',
      'x-b:2',
      '--no-server-header',
      '--no-date-header',
      '--log-level',
      'debug',
      '--no-access-log',
      '--log-format',
      'json',
      '--log-time',
      '--ws-max-size',
      '1024',
      '--ws-ping-interval',
      '5',
      '--ws-ping-timeout',
      '6',
      '--backlog',
      '10',
      '--factory',
    ])
    expect(command).toEqual({
      kind: 'serve',
      args: {
        target: 'app.ts:api',
        factory: true,
        workers: 1,
        reload: false,
        options: {
          host: '0.0.0.0',
          port: 9000,
          rootPath: '/api',
          lifespan: 'on',
          timeoutKeepAlive: 75,
          timeoutGracefulShutdown: 10,
          timeoutHeaders: 5,
          timeoutRequestBody: 7,
          limitConcurrency: 100,
          maxHeaderSize: 8192,
          maxUrlLength: 4096,
          proxyHeaders: true,
          forwardedAllowIps: ['10.0.0.0/8', '192.168.0.1'],
          sslKeyfile: 'k.pem',
          sslCertfile: 'c.pem',
          headers: [
            ['x-a', '1'],
            ['x-b', '2'],
          ],
          serverHeader: false,
          dateHeader: false,
          logLevel: 'debug',
          accessLog: false,
          logFormat: 'json',
          logTime: true,
          wsMaxSize: 1024,
          wsPingInterval: 5,
          wsPingTimeout: 6,
          backlog: 10,
        },
      },
    })
  })

  test('defaults leave the options empty (the server fills them)', () => {
    expect(parseCliArgs(['app.ts'])).toEqual({
      kind: 'serve',
      args: { target: 'app.ts', factory: false, workers: 1, reload: false, options: {} },
    })
  })

  test.each([
    [['--workers', '0', 'a.ts'], /--workers: expected at least 1/],
    [['--workers', '2', '--reload', 'a.ts'], /--reload: cannot be combined with --workers/],
    [['--header', 'novalue', 'a.ts'], /--header: expected name:value/],
    [['--timeout-keep-alive', 'soon', 'a.ts'], /--timeout-keep-alive: expected a number/],
    [['--log-level', 'loud', 'a.ts'], /--log-level: expected error, warn, info or debug/],
    [['--access-log', '--no-access-log', 'a.ts'], /cannot be given together/],
    [
      ['--log-format', 'JSON', 'a.ts'],
      /^invalid option --log-format: expected text or json, got "JSON"$/,
    ],
    [
      ['--lifespan', 'maybe', 'a.ts'],
      /^invalid option --lifespan: expected auto, on or off, got "maybe"$/,
    ],
    [
      ['--interface', 'wsgi', 'a.ts'],
      /^invalid option --interface: expected auto, tsgi, fetch or node, got "wsgi"$/,
    ],
    [['--log-time=yes', 'a.ts'], /--log-time/],
    [['a.ts', 'b.ts'], /expected one application, got 2/],
  ])('%j → %s', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message)
    expect(() => parseCliArgs(argv)).toThrow(
      expect.objectContaining({ code: ServerErrorCode.badOption }),
    )
  })

  test('help and version win over everything else', () => {
    expect(parseCliArgs(['--help', 'a.ts'])).toEqual({ kind: 'help' })
    expect(parseCliArgs(['--version'])).toEqual({ kind: 'version' })
    for (const name of Object.keys(FLAGS)) expect(helpText()).toContain(`--${name}`)
  })
})

describe('splitTarget', () => {
  test('module and export', () => {
    expect(splitTarget('app.ts')).toEqual({ file: 'app.ts', exportName: undefined })
    expect(splitTarget('src/app.ts:api')).toEqual({ file: 'src/app.ts', exportName: 'api' })
    expect(splitTarget('C:\\apps\\app.ts')).toEqual({
      file: 'C:\\apps\\app.ts',
      exportName: undefined,
    })
    expect(splitTarget('/srv/a:b/app.ts')).toEqual({
      file: '/srv/a:b/app.ts',
      exportName: undefined,
    })
  })
})

describe('option names → flags in CLI messages', () => {
  test('every option the CLI sets has its flag', () => {
    const options = [
      ...Object.keys(DEFAULTS),
      'uds',
      'limitConcurrency',
      'sslKeyfile',
      'sslCertfile',
      'headers',
    ]
    for (const option of options) expect(flagOf(option), option).toBeDefined()
    expect(flagOf('maxHeaderSize')).toBe('max-header-size')
    expect(flagOf('forwardedAllowIps')).toBe('forwarded-allow-ips')
    expect(flagOf('headers')).toBe('header')
    expect(flagOf('serverHeader')).toBe('no-server-header')
    // Programmatic only: no flag, the message keeps the option's name.
    for (const option of ['logger', 'state', 'signal', 'nonsense'])
      expect(flagOf(option)).toBe(undefined)
  })

  test('a resolveOptions error is rewritten with the flag, the rest of the message kept', () => {
    const error = (() => {
      try {
        resolveOptions({ maxHeaderSize: 5 })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ServerError)
    expect(cliMessage(error)).toBe(
      'invalid option --max-header-size: expected an integer >= 1024, got 5',
    )
    const format = (() => {
      try {
        resolveOptions({ logFormat: 'xml' as 'json' })
      } catch (e) {
        return e
      }
    })()
    expect(format).toMatchObject({ code: ServerErrorCode.badOption, option: 'logFormat' })
    expect(cliMessage(format)).toBe('invalid option --log-format: expected text or json, got "xml"')
    expect(
      cliMessage(
        new ServerError('TSGI_SERVER_ERR_OPTION', 'invalid option state: x', { option: 'state' }),
      ),
    ).toBe('invalid option state: x')
    expect(cliMessage(new Error('plain'))).toBe('plain')
    expect(cliMessage('text')).toBe('text')
  })

  test('--help tells the signals and the exit codes', () => {
    expect(helpText()).toMatch(/SIGTERM or SIGINT shuts down gracefully, also during startup/)
    expect(helpText()).toMatch(/0 graceful shutdown \(also after a signal during startup\)/)
    expect(helpText()).toMatch(
      /With --workers, a worker that fails before it serves\nstops them all with its code/,
    )
  })
})

/**
 * The CLI's building blocks in this process (the process tests in cli.test.ts run them in a
 * child, where coverage cannot see them): loading, running until a signal, and main().
 */
import { request } from 'undici'
import { describe, expect, test, vi } from 'vitest'
import { ExitCode, loadApp, main, parseCliArgs, runServer } from '../src/cli/index.ts'
import { fixture } from './cli-process.ts'
import { recordingLogger } from './helpers.ts'

describe('loadApp', () => {
  test('default export, named export, factory', async () => {
    expect(typeof (await loadApp(fixture('hello.ts')))).toBe('function')
    expect(typeof (await loadApp(`${fixture('hello.ts')}:named`))).toBe('function')
    expect(typeof (await loadApp(`${fixture('hello.ts')}:makeApp`, { factory: true }))).toBe(
      'function',
    )
    // The extension may be left out.
    expect(typeof (await loadApp(fixture('plain')))).toBe('function')
  })

  test.each([
    [fixture('missing.ts'), {}, /no such file/],
    [`${fixture('hello.ts')}:nope`, {}, /has no export named "nope"/],
    [`${fixture('hello.ts')}:notAnApp`, {}, /is not an application/],
    [`${fixture('hello.ts')}:notAnApp`, { factory: true }, /--factory: .* is not a function/],
    [fixture('broken.ts'), {}, /cannot load .*broken\.ts/],
  ])('%s → TSGI_SERVER_ERR_LOAD', async (target, options, message) => {
    const error = await loadApp(target, options).catch((e) => e)
    expect(error.code).toBe('TSGI_SERVER_ERR_LOAD')
    expect(error.message).toMatch(message)
  })
})

describe('runServer', () => {
  test('serves until SIGTERM, then resolves 0', async () => {
    const logger = recordingLogger()
    const command = parseCliArgs([fixture('hello.ts'), '--port', '0'])
    if (command.kind !== 'serve') throw new Error('expected serve')
    let url = ''
    const done = runServer(command.args, {
      logger,
      listening: (u) => {
        url = u
      },
    })
    await vi.waitFor(() => expect(url).not.toBe(''))
    expect(await (await request(`${url}/`)).body.text()).toBe('hello from /')
    process.emit('SIGTERM', 'SIGTERM')
    expect(await done).toBe(ExitCode.ok)
    expect(logger.of('info')).toContain(
      'received SIGTERM: shutting down gracefully (send it again to force)',
    )
  })

  test('load failure → 1, startup failure → 3, bad option → 2', async () => {
    const run = (argv: string[]) => {
      const command = parseCliArgs(argv)
      if (command.kind !== 'serve') throw new Error('expected serve')
      return runServer(command.args, { logger: recordingLogger() })
    }
    expect(await run([fixture('missing.ts')])).toBe(ExitCode.loadFailed)
    expect(await run([`${fixture('failing-startup.ts')}:app`, '--port', '0'])).toBe(
      ExitCode.lifespanFailed,
    )
    expect(await run([fixture('hello.ts'), '--max-header-size', '5'])).toBe(ExitCode.badOptions)
  })
})

describe('main', () => {
  test('--help, --version and bad options', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await main(['--help'])).toBe(0)
      expect(await main(['--version'])).toBe(0)
      expect(await main(['--port', 'x', 'a.ts'])).toBe(2)
      expect(String(err.mock.calls.at(-1)?.[0])).toContain('invalid option --port')
      expect(await main([fixture('missing.ts')])).toBe(1)
    } finally {
      out.mockRestore()
      err.mockRestore()
    }
  })
})

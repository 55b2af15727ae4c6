/**
 * SIGTERM and SIGINT at every moment of a `tsgi` process's life: while the app is imported,
 * during its lifespan startup, the instant the ready line is out, and during the drain.
 */
import { request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { ExitCode, parseCliArgs, runServer } from '../src/cli/index.ts'
import type { Logger } from '../src/logging/logger.ts'
import { type CliProcess, fixture, tsgi } from './cli-process.ts'
import { recordingLogger } from './helpers.ts'

let running: CliProcess[] = []
afterEach(async () => {
  for (const p of running) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
    await p.exited
  }
  running = []
})

function start(args: string[], stdin = false): CliProcess {
  const p = tsgi(args, { stdin })
  running.push(p)
  return p
}

describe('a signal during startup stops the server cleanly (exit 0)', () => {
  test('SIGTERM during lifespan startup: no listening, lifespan shutdown runs, exit 0', async () => {
    const p = start([`${fixture('lifespan-gated.ts')}:gated`, '--port', '0'], true)
    await p.waitFor(/fixture: startup begins/)
    p.child.kill('SIGTERM')
    await p.waitFor(/received SIGTERM: shutting down gracefully/)
    // Let the startup finish: the server must then stop instead of listening.
    p.child.stdin!.write('go\n')
    expect(await p.exited).toBe(ExitCode.ok)
    await p.closed
    const err = p.stderr()
    expect(err).toContain('fixture: startup complete')
    expect(err).toContain('stopped during startup: not listening')
    expect(err).toContain('fixture: shutdown ran')
    expect(err).toContain('application shutdown complete')
    expect(err).not.toMatch(/running on/)
  })

  test('SIGINT while the module is imported: it is not served, exit 0', async () => {
    const p = start([fixture('import-gated.ts'), '--port', '0'], true)
    await p.waitFor(/fixture: import begins/)
    p.child.kill('SIGINT')
    await p.waitFor(/received SIGINT: shutting down gracefully/)
    p.child.stdin!.write('go\n')
    expect(await p.exited).toBe(ExitCode.ok)
    await p.closed
    expect(p.stderr()).toContain('fixture: import complete')
    expect(p.stderr()).toContain('stopped before serving')
    expect(p.stderr()).not.toMatch(/running on/)
  })

  test('a second signal during startup forces the exit (code 1)', async () => {
    const p = start([`${fixture('lifespan-gated.ts')}:gated`, '--port', '0'], true)
    await p.waitFor(/fixture: startup begins/)
    p.child.kill('SIGTERM')
    await p.waitFor(/received SIGTERM/)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(ExitCode.loadFailed)
    await p.closed
    expect(p.stderr()).toContain('received SIGTERM again: forcing exit')
  })
})

describe('a signal the instant the ready line is out always drains', () => {
  test('SIGTERM sent as soon as the ready line is read, 20 times: exit 0 and lifespan shutdown', {
    timeout: 120_000,
  }, async () => {
    for (let round = 0; round < 20; round++) {
      const p = start([`${fixture('lifespan-gated.ts')}:immediate`, '--port', '0'])
      await p.url
      p.child.kill('SIGTERM')
      expect(await p.exited, `round ${round}:\n${p.stderr()}`).toBe(ExitCode.ok)
      await p.closed
      expect(p.stderr(), `round ${round}`).toContain('fixture: shutdown ran')
      expect(p.stderr(), `round ${round}`).toContain('server stopped')
      running = []
    }
  })

  test('in process: a SIGTERM raised while the ready line is logged drains the server', async () => {
    const logger = recordingLogger()
    const info = logger.info
    // The signal arrives in the same tick as the ready line: no later moment can be earlier.
    const racing: Logger = {
      ...logger,
      info(message) {
        info(message)
        if (message.startsWith('tsgi running on')) process.emit('SIGTERM', 'SIGTERM')
      },
    }
    const command = parseCliArgs([`${fixture('lifespan-gated.ts')}:immediate`, '--port', '0'])
    if (command.kind !== 'serve') throw new Error('expected serve')
    expect(await runServer(command.args, { logger: racing })).toBe(ExitCode.ok)
    expect(logger.of('info')).toEqual(
      expect.arrayContaining([
        'received SIGTERM: shutting down gracefully (send it again to force)',
        'shutting down',
        'application shutdown complete',
        'server stopped',
      ]),
    )
    expect(process.listenerCount('SIGTERM')).toBe(0)
  })

  test('a request in flight at SIGTERM is answered before the exit', async () => {
    const p = start([`${fixture('lifespan-gated.ts')}:immediate`, '--port', '0'])
    const url = await p.url
    const pending = request(`${url}/until-sigterm`)
    await p.waitFor(/fixture: request in flight/)
    p.child.kill('SIGTERM')
    const res = await pending
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('ok')
    expect(await p.exited).toBe(ExitCode.ok)
  })
})

describe('after the server stopped, a signal changes nothing', () => {
  // pnpm forwards a terminal's CTRL+C to its child as a SIGTERM, sometimes after the child has
  // drained: the process must still end with its own exit code, not be killed by the signal.
  // The fixture leaks a timer, so the process is sure to be alive when the late signal comes.
  test('CTRL+C, then a SIGTERM once "server stopped" is logged: exit 0, not killed', async () => {
    const p = start([`${fixture('leaky.ts')}:app`, '--port', '0'])
    const url = await p.url
    expect((await request(url)).statusCode).toBe(200)
    p.child.kill('SIGINT')
    await p.waitFor(/server stopped/)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(ExitCode.ok)
    expect(p.child.signalCode).toBeNull()
    expect(p.stderr()).not.toMatch(/forcing exit/)
  })
})

describe('only the same signal again forces the exit', () => {
  // A terminal's CTRL+C reaches pnpm twice (from the terminal and forwarded by its parent), and
  // pnpm then sends its child SIGTERM: one stop request, not a user asking to force.
  test('SIGINT, then SIGTERM during the drain: the drain completes, exit 0', async () => {
    const p = start([`${fixture('lifespan-gated.ts')}:immediate`, '--port', '0'])
    const url = await p.url
    const pending = request(`${url}/until-sigterm`)
    await p.waitFor(/fixture: request in flight/)
    p.child.kill('SIGINT')
    await p.waitFor(/received SIGINT: shutting down gracefully/)
    p.child.kill('SIGTERM')
    const res = await pending
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('ok')
    expect(await p.exited).toBe(ExitCode.ok)
    expect(p.stderr()).not.toMatch(/forcing exit/)
  })
})

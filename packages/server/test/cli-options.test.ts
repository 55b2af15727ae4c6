/**
 * Bad options stop `tsgi` before anything runs: exit 2, one line naming the flag (never the
 * option's name in the API), and the application module was not even imported.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { fixture, tsgiRun } from './cli-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'tsgi-cli-options-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const cert = fixture('../tls/cert.pem')
const key = fixture('../tls/key.pem')

const cases: Array<[string[], RegExp]> = [
  [
    ['--port', '70000'],
    /^tsgi: invalid option --port: expected an integer from 0 to 65535, got 70000$/,
  ],
  [
    ['--host', 'bad host'],
    /^tsgi: invalid option --host: expected an IP address or a host name, got "bad host"$/,
  ],
  [['--host', '[::1]'], /^tsgi: invalid option --host: .*without brackets: ::1\)$/],
  // Without --proxy-headers too: the list is checked before the day it is turned on.
  [
    ['--forwarded-allow-ips', 'garbage'],
    /^tsgi: invalid option --forwarded-allow-ips: not an IP address or CIDR: "garbage"$/,
  ],
  [
    ['--proxy-headers', '--forwarded-allow-ips', '10.0.0.0/40'],
    /^tsgi: invalid option --forwarded-allow-ips: .*from 0 to 32$/,
  ],
  [
    ['--max-header-size', '5'],
    /^tsgi: invalid option --max-header-size: expected an integer >= 1024, got 5$/,
  ],
  [
    ['--max-url-length', '10'],
    /^tsgi: invalid option --max-url-length: expected an integer >= 64, got 10$/,
  ],
  [
    ['--timeout-keep-alive', '99999999'],
    /^tsgi: invalid option --timeout-keep-alive: expected a number from 0 to 2147483/,
  ],
  [['--ws-max-size', '0'], /^tsgi: invalid option --ws-max-size: expected an integer >= 1, got 0$/],
  [['--root-path', 'api/'], /^tsgi: invalid option --root-path: must be '' or start with '\/'/],
  [
    ['--limit-concurrency', '0'],
    /^tsgi: invalid option --limit-concurrency: expected an integer >= 1/,
  ],
  [
    ['--uds', '/nonexistent-dir/app.sock'],
    /^tsgi: invalid option --uds: the directory \/nonexistent-dir does not exist$/,
  ],
  [
    ['--ssl-keyfile', key],
    /^tsgi: invalid option --ssl-certfile: missing: a key file was given without a certificate$/,
  ],
  [
    ['--ssl-keyfile', '/nonexistent/key.pem', '--ssl-certfile', cert],
    /^tsgi: invalid option --ssl-keyfile: cannot read \/nonexistent\/key\.pem: ENOENT/,
  ],
  [
    ['--ssl-keyfile', cert, '--ssl-certfile', cert],
    /^tsgi: invalid option --ssl-keyfile: .*not a usable PEM private key/,
  ],
]

describe('a bad option: exit 2 with the flag, before the app is imported', () => {
  test.each(cases)('%j', async (flags, message) => {
    const marker = join(dir, `marker-${flags.join('_').replace(/\W/g, '')}`)
    const r = await tsgiRun([fixture('marker.ts'), ...flags], { env: { TSGI_TEST_MARKER: marker } })
    expect(r.code).toBe(2)
    expect(r.stderr.trimEnd()).toMatch(message)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(existsSync(marker), 'the module was imported').toBe(false)
  })

  test('the same with --workers 2: the primary stops before forking', async () => {
    const marker = join(dir, 'marker-workers')
    const r = await tsgiRun([fixture('marker.ts'), '--workers', '2', '--host', 'a b'], {
      env: { TSGI_TEST_MARKER: marker },
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      'tsgi: invalid option --host: expected an IP address or a host name, got "a b"\n',
    )
    expect(existsSync(marker)).toBe(false)
  })

  test('--forwarded-allow-ips without --proxy-headers is valid, with a warning', async () => {
    const marker = join(dir, 'marker-warning')
    // A taken port stops it once the warning is out (and shows what a bind failure does).
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = String((taken.address() as { port: number }).port)
    try {
      const r = await tsgiRun(
        [fixture('marker.ts'), '--port', port, '--forwarded-allow-ips', '10.0.0.0/8'],
        { env: { TSGI_TEST_MARKER: marker } },
      )
      expect(r.stderr).toContain(
        'WARN  --forwarded-allow-ips has no effect without --proxy-headers: forwarding headers are ignored',
      )
      // A bind failure is found only at listen time: after the startup, which is then shut down.
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/cannot listen: .*EADDRINUSE/)
      expect(r.stderr).toContain('application shutdown complete')
      expect(readFileSync(marker, 'utf8')).toBe('import\nstartup\n')
    } finally {
      taken.close()
    }
  })
})

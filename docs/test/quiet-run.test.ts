/**
 * A newcomer's first run prints what they asked for and nothing else: no turbo telemetry notice
 * (turbo prints one on a machine where it never ran) and no npm "new version available" notice
 * (the project's .npmrc turns it off). Checked with a fresh HOME, the way a new machine looks,
 * through the root npm scripts the README names. `--dry-run` makes turbo plan without running.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const home = mkdtempSync(join(tmpdir(), 'tsgi-fresh-home-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

test('the root scripts print no telemetry or update notice on a fresh machine', () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
  }
  // What CI sets to silence them is exactly what a newcomer does not have.
  for (const name of ['TURBO_TELEMETRY_DISABLED', 'DO_NOT_TRACK', 'CI', 'NO_UPDATE_NOTIFIER']) {
    delete env[name]
  }
  for (const key of Object.keys(env)) if (/^npm_config_update_notifier$/i.test(key)) delete env[key]
  const run = spawnSync(
    'npm',
    ['run', 'typecheck', '--', '--filter=@tsgi/protocol', '--dry-run=json'],
    { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
  )
  const output = `${run.stdout}\n${run.stderr}`
  expect(run.status, output).toBe(0)
  expect(output).toContain('"turboVersion"')
  expect(output).not.toMatch(/collects completely anonymous telemetry|Attention:/)
  expect(output).not.toMatch(/npm notice|New (major|minor|patch) version of npm/)
})

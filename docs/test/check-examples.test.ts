/**
 * Every example application follows the spec: each module in examples/ that exports an `app`
 * is driven by `checkApp`, the strict server double of @tsgi/protocol/conformance, which
 * reports every violation (accepting an unknown scope type — SPEC.md §2.3 —, events out of
 * order, a missing response, ignoring a disconnect, lifespan misuse). Framework and adapter
 * apps are checked too: they are Applications like any other.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Application } from '@tsgi/protocol'
import { checkApp } from '@tsgi/protocol/conformance'
import { describe, expect, test } from 'vitest'

const examples = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'examples')
const files = readdirSync(examples)
  .filter((f) => f.endsWith('.ts'))
  .sort()

/** The examples that export an application, with it. */
const apps = await Promise.all(
  files.map(async (file) => {
    const mod = (await import(join(examples, file))) as { app?: unknown }
    return { file, app: mod.app }
  }),
).then((all) => all.filter((e): e is { file: string; app: Application } => e.app !== undefined))

describe('every example app passes checkApp', () => {
  test('the apps written against the protocol alone are exported, so they are checked', () => {
    // A module that writes `(scope, receive, send)` itself defines a protocol-level app; it
    // must export it as `app` (mini-framework.ts builds one per call: check-app.ts checks it).
    const protocolLevel = files.filter(
      (f) =>
        /: Application = async \(scope/.test(readFileSync(join(examples, f), 'utf8')) &&
        f !== 'mini-framework.ts',
    )
    expect(protocolLevel.length).toBeGreaterThan(0)
    expect(protocolLevel.filter((f) => !apps.some((a) => a.file === f))).toEqual([])
  })

  test.each(apps.map((a) => [a.file, a.app] as const))('%s', async (_file, app) => {
    expect(typeof app).toBe('function')
    const report = await checkApp(app)
    expect(report.violations).toEqual([])
    expect(report.checked).toContain('unknown scope')
    expect(report.passed).toBe(true)
  })
})

// users.test.ts — `node --test users.test.ts` runs it. With vitest, take describe, beforeAll,
// afterAll and test from 'vitest' instead of node:test, and call the suite at the top level.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createApp } from '@tsgi/framework'
import { createDescribeBoth } from '@tsgi/framework/testing'

function makeApp() {
  const app = createApp()
  app.get('/users/:id', (req) => ({ id: req.params.id }))
  return app
}

const describeBoth = createDescribeBoth({ describe, beforeAll: before, afterAll: after })

/** Declares `users (memory)` and `users (socket)`, the same tests in each. */
export function usersSuite(): void {
  describeBoth('users', makeApp, (client) => {
    test('GET /users/1', async () => {
      const res = await client().request('/users/1')
      assert.equal(res.status, 200)
      assert.deepEqual(res.json(), { id: '1' })
    })
    test('an unknown route is a 404 problem', async () => {
      const res = await client().request('/nope')
      assert.equal(res.status, 404)
      assert.equal(res.header('content-type'), 'application/problem+json')
    })
  })
}

if (import.meta.main) usersSuite()

// What the docs tests do with this file: run it under `node --test` and read the summary.
export async function main(): Promise<unknown> {
  const file = fileURLToPath(import.meta.url)
  const args = [...process.execArgv, '--test', '--test-reporter=tap', file]
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' })
  const count = (name: string) =>
    Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(run.stdout)?.[1])
  return { exitCode: run.status, pass: count('pass'), fail: count('fail') }
}

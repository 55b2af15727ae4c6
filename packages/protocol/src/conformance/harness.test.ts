/**
 * freePort never hands out a port twice in one process: a server under test that never binds
 * its port (a failing lifespan startup) must not share it with a run beside it. The kernel picks
 * listen(0) ports at random, so 1 000 draws without the check repeat some (about 17 expected).
 */
import { expect, test } from 'vitest'
import { freePort } from './harness.ts'

test('1 000 ports from freePort are all different', async () => {
  const ports: number[] = []
  for (let i = 0; i < 1000; i++) ports.push(await freePort('127.0.0.1'))
  expect(new Set(ports).size).toBe(ports.length)
})

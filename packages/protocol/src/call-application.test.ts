/** `callApplication`: every way an application call ends, reported once and never as a return. */
import { describe, expect, test } from 'vitest'
import type { Application, Receive, Scope, Send } from './application.ts'
import { callApplication } from './call-application.ts'
import { deferred } from './deferred.ts'
import { ClientDisconnectedError } from './errors.ts'
import { TSGI_VERSION } from './version.ts'

const scope: Scope = { type: 'lifespan', tsgi: TSGI_VERSION, state: {} }
const receive: Receive = () => new Promise(() => {})
const send: Send = async () => {}

/** Calls `app` and resolves with how it ended, counting the callbacks. */
function outcome(app: Application) {
  const ended = deferred<{ returned: boolean; error?: unknown }>()
  let calls = 0
  callApplication(
    app,
    scope,
    receive,
    send,
    () => {
      calls++
      ended.resolve({ returned: true })
    },
    (error) => {
      calls++
      ended.resolve({ returned: false, error })
    },
  )
  return { ended: ended.promise, calls: () => calls }
}

describe('callApplication', () => {
  test('calls the app at once, with the scope, receive and send it was given', () => {
    let seen: unknown[] = []
    callApplication(
      async (...args) => {
        seen = args
      },
      scope,
      receive,
      send,
      () => {},
      () => {},
    )
    expect(seen).toEqual([scope, receive, send])
  })

  test('a fulfilled promise is a return', async () => {
    expect(await outcome(async () => {}).ended).toEqual({ returned: true })
  })

  test('a value that is no promise (an app without async) is a return', async () => {
    const plain = (() => undefined) as unknown as Application
    expect(await outcome(plain).ended).toEqual({ returned: true })
  })

  test('a rejection reaches onThrow with its reason untouched', async () => {
    const gone = new ClientDisconnectedError()
    expect(await outcome(() => Promise.reject(gone)).ended).toEqual({
      returned: false,
      error: gone,
    })
  })

  test('a synchronous throw is a rejection, reported after the call returned', async () => {
    const boom = new Error('boom')
    const sync = (() => {
      throw boom
    }) as unknown as Application
    const run = outcome(sync)
    // Not from inside callApplication: the caller finishes its own set-up first.
    expect(run.calls()).toBe(0)
    expect(await run.ended).toEqual({ returned: false, error: boom })
  })

  test.each([
    ['undefined', undefined],
    ['null', null],
  ])('a rejection with %s becomes an Error whose cause is that reason', async (name, reason) => {
    for (const app of [
      () => Promise.reject(reason),
      (() => {
        throw reason
      }) as unknown as Application,
    ]) {
      const { error } = await outcome(app).ended
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toBe(`the application rejected with ${name}`)
      expect((error as Error).cause).toBe(reason)
    }
  })

  test('a thenable that is no native promise is followed', async () => {
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a foreign promise is what this test is about
      then(resolve: () => void) {
        resolve()
      },
    }
    const app = (() => thenable) as unknown as Application
    expect(await outcome(app).ended).toEqual({ returned: true })
  })

  test('each call reports exactly once', async () => {
    const run = outcome(async () => {})
    await run.ended
    await Promise.resolve()
    expect(run.calls()).toBe(1)
  })
})

/**
 * Every test runs twice: in memory (fast, and strict about the protocol) and over a real socket
 * through the reference server, as clients will see the app. `npm test` runs them with node:test.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { createDescribeBoth } from '@tsgi/framework/testing'
import type { Queue } from '@tsgi/tasks'
import { makeApp } from '../src/app.ts'
import { createJobs } from '../src/tasks.ts'

const describeBoth = createDescribeBoth({ describe, beforeAll: before, afterAll: after })

let jobs: Queue
const freshApp = () => {
  jobs = createJobs()
  return makeApp(jobs)
}

describeBoth('app', freshApp, (client) => {
  it('GET / says hello, timed by the middleware', async () => {
    const res = await client().request('/')
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { hello: 'tsgi' })
    assert.match(res.header('server-timing') ?? '', /^app;dur=\d+(\.\d)?$/)
  })

  it('POST /users creates a user and welcomes them in the background', async () => {
    const completed = once(jobs, 'completed')
    const res = await client().request('/users', {
      method: 'POST',
      json: { name: 'Ada', email: 'ada@example.com' },
    })
    assert.equal(res.status, 201)
    const user = res.json<{ id: number; name: string }>()
    assert.equal(user.name, 'Ada')
    assert.equal(res.header('location'), `/users/${user.id}`)
    const [job, result] = await completed
    assert.equal(job.name, 'send-welcome')
    assert.deepEqual(result, { sent: 'ada@example.com' })

    const again = await client().request(`/users/${user.id}`)
    assert.deepEqual(again.json(), { id: user.id, name: 'Ada', email: 'ada@example.com' })
  })

  it('POST /users refuses an invalid body with 422', async () => {
    const res = await client().request('/users', { method: 'POST', json: { name: '' } })
    assert.equal(res.status, 422)
    assert.equal(res.header('content-type'), 'application/problem+json')
  })

  it('GET /users/:id is a 404 for an unknown user', async () => {
    const res = await client().request('/users/999')
    assert.equal(res.status, 404)
  })
})

/** The conformance suite against BullMQ on Redis, plus what only a distributed backend has. */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe } from 'vitest'
import { bullmqBackend } from '../src/bullmq/index.ts'
import { conformance } from './conformance.ts'
import { redisUp, redisUrl } from './redis.ts'

describe.skipIf(!redisUp)('bullmq backend', () => {
  afterAll(async () => {
    const admin = new Redis(redisUrl)
    const keys = await admin.keys('tsgi-test:conformance-*')
    if (keys.length > 0) await admin.del(...keys)
    admin.disconnect()
  })
  conformance(({ keepCompleted }) =>
    bullmqBackend({
      url: redisUrl,
      queueName: `conformance-${randomUUID()}`,
      prefix: 'tsgi-test',
      keepCompleted,
    }),
  )
})

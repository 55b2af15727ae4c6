/**
 * The BullMQ backend's configuration: its options, and the Redis connection options a URL
 * makes. Kept apart from the backend class so that the entry point can export both without
 * the class importing back from it.
 *
 * @module
 */
import type { RedisOptions } from 'bullmq'

/** Options of `bullmqBackend()`. */
export interface BullMQBackendOptions {
  /** `redis://[user:pass@]host:port[/db]`. Default `REDIS_URL`, else `redis://127.0.0.1:6379`. */
  url?: string
  /** ioredis options, merged over what `url` gives. */
  redis?: RedisOptions
  /** Queue name. Default `tsgi-tasks`. */
  queueName?: string
  /** Redis key prefix. Default `tsgi`. */
  prefix?: string
  /** Completed jobs kept. Default 1000. */
  keepCompleted?: number
  /** Failed jobs kept. Default 10 000. */
  keepFailed?: number
  /** How long a worker's lock on a job lasts without renewal, in ms. Default 30 000. */
  lockDuration?: number
  /** How often workers look for jobs whose lock expired, in ms. Default 30 000. */
  stalledInterval?: number
  /** Times a job may be returned by a shutdown without using an attempt. Default 3. */
  maxShutdownReturns?: number
  /** Errors of the Redis connections (they reconnect on their own). Default: ignored. */
  onError?: (error: Error) => void
}

/** Connection options from a URL plus overrides; commands wait for reconnection rather than fail. */
export function redisOptions(url: string, extra: RedisOptions = {}): RedisOptions {
  const u = new URL(url)
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    // BullMQ needs this: a command issued during an outage waits for the connection to return.
    maxRetriesPerRequest: null,
    ...extra,
  }
}

/**
 * `pnpm bench`: jobs per second, enqueue + process, for the memory backend, tsgi over BullMQ,
 * and raw BullMQ (the anchor), alternating rounds in one run. Needs Redis for the last two
 * (REDIS_URL, default 127.0.0.1:6379). BENCH_JOBS (default 5000), BENCH_ROUNDS (default 3),
 * BENCH_CONCURRENCY (default 16), BENCH_JOB_MS (default 0: no-op jobs; 1 for 1 ms jobs).
 */
import { randomUUID } from 'node:crypto'
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq'
import { bullmqBackend, redisOptions } from '../src/bullmq/index.ts'
import { createQueue, defineTask, memoryBackend } from '../src/index.ts'

const jobs = Number(process.env.BENCH_JOBS ?? 5000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16)
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = 'tsgi-bench'

const jobMs = Number(process.env.BENCH_JOB_MS ?? 0)
const pause = () => new Promise<void>((r) => setTimeout(r, jobMs))
const work = defineTask('work', async (p: { n: number }) => {
  if (jobMs > 0) await pause()
  return p.n * 2
})

async function tsgi(kind: 'memory' | 'bullmq'): Promise<number> {
  const backend =
    kind === 'memory'
      ? memoryBackend()
      : bullmqBackend({ url, prefix, queueName: `b-${randomUUID()}` })
  const queue = createQueue({ tasks: [work], backend, concurrency })
  let done = 0
  const finished = new Promise<void>((resolve) =>
    queue.on('completed', () => ++done === jobs && resolve()),
  )
  const start = performance.now()
  await queue.start()
  for (let i = 0; i < jobs; i += 500)
    await queue.enqueueBulk(
      work,
      Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ payload: { n: i + k } })),
    )
  await finished
  const seconds = (performance.now() - start) / 1000
  await queue.close(1000)
  return jobs / seconds
}

async function raw(): Promise<number> {
  const name = `raw-${randomUUID()}`
  const connection = redisOptions(url)
  const queue = new BullQueue(name, { connection, prefix })
  let done = 0
  let resolveDone!: () => void
  const finished = new Promise<void>((r) => {
    resolveDone = r
  })
  const start = performance.now()
  const worker = new BullWorker(
    name,
    async (job) => {
      if (jobMs > 0) await pause()
      return (job.data as { n: number }).n * 2
    },
    { connection, prefix, concurrency },
  )
  worker.on('completed', () => ++done === jobs && resolveDone())
  for (let i = 0; i < jobs; i += 500)
    await queue.addBulk(
      Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({
        name: 'work',
        data: { n: i + k },
        opts: { removeOnComplete: { count: 1000 } },
      })),
    )
  await finished
  const seconds = (performance.now() - start) / 1000
  await worker.close()
  await queue.obliterate({ force: true })
  await queue.close()
  return jobs / seconds
}

const results: Record<string, number[]> = { memory: [], 'tsgi bullmq': [], 'raw bullmq': [] }
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? ['raw bullmq', 'tsgi bullmq'] : ['tsgi bullmq', 'raw bullmq']
  for (const name of order)
    results[name]!.push(name === 'raw bullmq' ? await raw() : await tsgi('bullmq'))
  results.memory!.push(await tsgi('memory'))
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const anchor = median(results['raw bullmq']!)
console.log(
  `\n${jobs} jobs, concurrency ${concurrency}, ${rounds} rounds, Node ${process.version}\n`,
)
console.log('| backend | jobs/s (median) | vs raw BullMQ |')
console.log('|---|---:|---:|')
for (const [name, xs] of Object.entries(results))
  console.log(`| ${name} | ${Math.round(median(xs))} | ${(median(xs) / anchor).toFixed(2)} |`)

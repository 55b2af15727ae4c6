/**
 * `node --conditions=@tsgi/source bench/miss.ts`: the framework's 404 and 405 against its own
 * GET routes, on one tsgi server process (pinned to one core, autocannon on the other when
 * `taskset` works), the scenarios alternating within each round so that the machine's drift
 * hits them alike: median requests per second, median server CPU µs per request, and each
 * one's ratio to GET JSON (the target: 404 and 405 at ≥ 0.9 of a GET route).
 * BENCH_ROUNDS (7), BENCH_SECONDS (3), BENCH_CONNECTIONS (50).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { cpuMs } from '../../server/bench/cpu.ts'
import { load, scenarios } from './scenarios.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 7)
const seconds = Number(process.env.BENCH_SECONDS ?? 3)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const target = fileURLToPath(new URL('./targets.ts', import.meta.url))
const chosen = scenarios.filter((s) => s.method !== 'POST')

let pin = false
try {
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' })
  pin = true
} catch {}
const port = 10_000 + Math.floor(Math.random() * 20_000)
const args = ['--conditions=@tsgi/source', target, 'tsgi', String(port)]
const child: ChildProcess = pin
  ? spawn('taskset', ['-c', '1', process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
  : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
await once(child.stdout!, 'data')
const rps = chosen.map((): number[] => [])
const us = chosen.map((): number[] => [])
try {
  for (const s of chosen) await load(port, 'tsgi', s, connections, { seconds }) // warm-up
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < chosen.length; j++) {
      const i = (j + round) % chosen.length
      const before = cpuMs(child.pid!)
      const r = await load(port, 'tsgi', chosen[i]!, connections, { seconds })
      rps[i]!.push(r.rps)
      us[i]!.push(((cpuMs(child.pid!) - before) * 1000) / r.total)
    }
  }
} finally {
  child.kill('SIGTERM')
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`\nNode ${process.version}, ${rounds} × ${seconds} s rounds, pinned: ${pin}\n`)
console.log('| tsgi scenario | req/s | / GET JSON | CPU µs/req | GET JSON µs / this µs |')
console.log('|---|---:|---:|---:|---:|')
const [baseRps, baseUs] = [median(rps[0]!), median(us[0]!)]
chosen.forEach((s, i) => {
  const [r, u] = [median(rps[i]!), median(us[i]!)]
  console.log(
    `| ${s.name} | ${Math.round(r)} | ${(r / baseRps).toFixed(2)} | ${u.toFixed(1)} | ${(baseUs / u).toFixed(2)} |`,
  )
})

/**
 * The callgrind harness of the packages' instruction-count benches (`bench/instructions.ts` in
 * server, framework and adapters, `bench/h2-instructions.ts` in server): runs a target under
 * valgrind's callgrind, warms it up with two batches of requests, zeroes the counters, sends a
 * third batch, dumps, and divides the instructions by the requests answered. Instruction
 * counts are repeatable on a loaded machine (unlike req/s and CPU time); they include the
 * runtime's own code, and a JIT under valgrind differs from a normal one: compare targets, or
 * one target before and after a change, never with other machines.
 *
 * `--separate-threads=yes`: the main thread (the JavaScript and the runtime's I/O loop) is
 * counted apart from the JIT and GC helper threads, which run when they like and add noise.
 * BENCH_KEEP=1 keeps the dumps (for `callgrind_annotate`) and prints their paths.
 *
 * @module
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'

/** What to measure. */
export interface CallgrindTarget {
  /** The program valgrind runs, and its arguments. */
  command: string[]
  /** Names the dump files (`tsgi-<tag>-callgrind-<pid>.*`), so runs of several benches never mix. */
  tag: string
  /**
   * Resolves once the target can take requests, given its stdout (say, once it printed its
   * port). Default: its first output.
   */
  ready?(stdout: Readable): Promise<void>
  /** Sends one batch of requests; resolves with how many were answered. */
  fire(): Promise<number>
  /** What becomes of valgrind's stderr (default `ignore`). */
  stderr?: 'ignore' | 'inherit'
}

/**
 * A node command line for {@link CallgrindTarget.command}: this node, the flags in
 * BENCH_NODE_FLAGS (say `--perf-basic-prof`, which writes /tmp/perf-<pid>.map naming the JIT
 * addresses of the dump by JavaScript function), the source condition, then `args`.
 */
export function nodeCommand(...args: string[]): string[] {
  return [
    process.execPath,
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    '--conditions=@tsgi/source',
    ...args,
  ]
}

/** Instructions per request of the measured batch. */
export interface CallgrindResult {
  /** Requests answered in the measured batch. */
  requests: number
  /** The main thread's instructions per request. */
  main: number
  /** Every thread's instructions per request. */
  all: number
}

/** Runs `target` under callgrind and counts its instructions per request (see the module comment). */
export async function callgrindPerRequest(target: CallgrindTarget): Promise<CallgrindResult> {
  const prefix = `tsgi-${target.tag}-callgrind-${process.pid}.`
  const child = spawn(
    'valgrind',
    [
      '-q',
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${join(tmpdir(), prefix)}%p`,
      ...target.command,
    ],
    { stdio: ['ignore', 'pipe', target.stderr ?? 'ignore'] },
  )
  const exited = once(child, 'exit')
  let requests: number
  try {
    if (target.ready) await target.ready(child.stdout!)
    else await once(child.stdout!, 'data')
    await target.fire()
    await target.fire()
    execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' })
    requests = await target.fire()
    execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' })
  } finally {
    child.kill('SIGKILL')
    await exited
  }
  // The dump after --zero is part 1 of each thread's file; thread 1 is the main thread. Its
  // "summary:" (or "totals:") line is the total.
  let main = Number.NaN
  let all = 0
  for (const name of readdirSync(tmpdir()).filter((f) => f.startsWith(prefix))) {
    const path = join(tmpdir(), name)
    if (/\.1-\d+$/.test(name)) {
      const text = readFileSync(path, 'utf8')
      const m = /^summary: (\d+)/m.exec(text) ?? /^totals: (\d+)/m.exec(text)
      if (m) {
        all += Number(m[1])
        if (/-0*1$/.test(name)) main = Number(m[1])
      }
    }
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: a bench script's switch; no turbo task reads it
    if (process.env.BENCH_KEEP) console.log(`kept ${path}`)
    else rmSync(path)
  }
  return { requests, main: Math.round(main / requests), all: Math.round(all / requests) }
}

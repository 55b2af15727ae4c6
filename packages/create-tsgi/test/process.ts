/**
 * Child processes for the starter's tests: commands run to completion with their output kept
 * for the failure message, and servers whose output is watched for a line (no sleeps).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'

/** The repository checkout this package lives in. */
export const REPO = join(import.meta.dirname, '..', '..', '..')

/**
 * npm settings that make sense outside the workspace too (the registry, the cache, a proxy):
 * the outer `npm test` / pnpm / turbo pass their own `npm_config_*` down, which must not
 * reach an install in a directory that is meant to look like a fresh machine.
 */
const KEPT_NPM_CONFIG = new Set([
  'registry',
  'cache',
  'userconfig',
  'proxy',
  'https_proxy',
  'noproxy',
  'cafile',
  'strict_ssl',
])

/** The environment of a user's shell: this Node first on PATH, no npm or pnpm run variables. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase()
    if (lower.startsWith('npm_config_')) {
      if (KEPT_NPM_CONFIG.has(lower.slice('npm_config_'.length).replaceAll('-', '_')))
        env[key] = value
      continue
    }
    if (lower.startsWith('npm_') || lower.startsWith('pnpm_') || lower === 'init_cwd') continue
    if (lower.startsWith('turbo_') || lower.startsWith('vitest') || key === 'NODE_OPTIONS') continue
    env[key] = value
  }
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', ...extra }
}

/** What a finished command printed and how it ended. */
export interface Ran {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Wall time, ms. */
  ms: number
}

/** Runs `command` to completion; rejects (with its output) unless it exits 0 or `allowFail`. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; allowFail?: boolean },
): Promise<Ran> {
  const start = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv() })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const ran = { code, signal, stdout, stderr, ms: Math.round(performance.now() - start) }
      if (code === 0 || options.allowFail) resolve(ran)
      else reject(new Error(describe(command, args, ran)))
    })
  })
}

function describe(command: string, args: readonly string[], ran: Ran): string {
  const how = ran.signal === null ? `exit ${ran.code}` : `signal ${ran.signal}`
  return `${command} ${args.join(' ')}: ${how}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`
}

/** A long-running child whose output is collected. */
export interface Running {
  child: ChildProcess
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string
  /**
   * Resolves with the first match of `pattern` in the output; rejects with the output if the
   * child exits first or nothing matches within `timeoutMs` (default 60 s).
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves with the exit code (or signal) once the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** What {@link start} started and has not seen exit: {@link stopAll} ends them. */
const live = new Set<{ child: ChildProcess; group: boolean }>()

/** SIGKILLs whatever is still running (a failed test's servers), groups included. */
export function stopAll(): void {
  for (const { child, group } of live) {
    try {
      if (group) process.kill(-child.pid!, 'SIGKILL')
      else child.kill('SIGKILL')
    } catch {
      // Already gone.
    }
  }
  live.clear()
}

/** Starts `command` (in a process group of its own if `detached`) and watches its output. */
export function start(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; detached?: boolean },
): Running {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    detached: options.detached,
  })
  let output = ''
  const waiters = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk
    for (const check of waiters) check()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        // A guard for the failure message only: a wait that passes never reaches it.
        const timer = setTimeout(() => {
          if (waiters.delete(check))
            reject(new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${output}`))
        }, timeoutMs)
        const check = () => {
          const match = output.match(pattern)
          if (match === null) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(match)
        }
        waiters.add(check)
        check()
        exited.then(({ code, signal }) => {
          if (!waiters.delete(check)) return
          clearTimeout(timer)
          reject(new Error(`exited (${signal ?? code}) before printing ${pattern}:\n${output}`))
        })
      })
    },
  }
}

/**
 * The Bun and Deno binaries of the benchmarks: BUN / DENO, else the copies in ~/.cache/tsgi,
 * else `bun` / `deno` on PATH; `null` when there is none.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'

/** The binary of `name`, or `null`. */
export function binary(name: 'bun' | 'deno'): string | null {
  const configured = process.env[name.toUpperCase()]
  if (configured) return configured
  const cached = `${homedir()}/.cache/tsgi/${name}/node_modules/.bin/${name}`
  if (existsSync(cached)) return cached
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' })
    return name
  } catch {
    return null
  }
}

/**
 * Loading `path/to/module.ts[:export]`: TypeScript through Node's own type stripping (a plain
 * dynamic import), the default export unless one is named, and `--factory` to call it. Every
 * failure says what was tried (`TSGI_SERVER_ERR_LOAD`, exit code 1).
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Application } from '@tsgi/protocol'
import { ServerError, ServerErrorCode } from './errors.ts'

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cts', '.cjs']

/** Splits `module[:export]`; a Windows drive letter (`C:\…`) is not an export name. */
export function splitTarget(target: string): { file: string; exportName: string | undefined } {
  const colon = target.lastIndexOf(':')
  if (colon <= 1 || /[\\/]/.test(target.slice(colon + 1)))
    return { file: target, exportName: undefined }
  return { file: target.slice(0, colon), exportName: target.slice(colon + 1) || undefined }
}

function fail(message: string, cause?: unknown): ServerError {
  return new ServerError(ServerErrorCode.load, message, cause === undefined ? undefined : { cause })
}

/** Resolves the module file: as given, or with one of the known extensions added. */
export function resolveModule(file: string, cwd = process.cwd()): string {
  const base = resolve(cwd, file)
  const candidates = [base, ...EXTENSIONS.map((ext) => base + ext)]
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile())
  if (found === undefined)
    throw fail(`cannot load ${file}: no such file (tried ${candidates.join(', ')})`)
  return found
}

/** Imports the target and returns the application (calling a factory when asked). */
export async function loadApp(
  target: string,
  options: { factory?: boolean; cwd?: string } = {},
): Promise<Application> {
  const { file, exportName } = splitTarget(target)
  const path = resolveModule(file, options.cwd)
  let mod: Record<string, unknown>
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    throw fail(`cannot load ${path}: ${(error as Error).message ?? String(error)}`, error)
  }
  const name = exportName ?? 'default'
  if (!(name in mod)) {
    const available = Object.keys(mod).filter((k) => k !== '__esModule')
    throw fail(
      `${path} has no export named ${JSON.stringify(name)} (exports: ${available.length ? available.join(', ') : 'none'})`,
    )
  }
  let app = mod[name]
  if (options.factory) {
    if (typeof app !== 'function')
      throw fail(`--factory: ${path}:${name} is not a function (it is ${typeof app})`)
    try {
      app = await (app as () => unknown)()
    } catch (error) {
      throw fail(`--factory: ${path}:${name}() threw: ${(error as Error).message}`, error)
    }
  }
  if (typeof app !== 'function') {
    throw fail(
      `${path}:${name}${options.factory ? '()' : ''} is not an application: expected a function (scope, receive, send), got ${app === null ? 'null' : typeof app}`,
    )
  }
  return app as Application
}

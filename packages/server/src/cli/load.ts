/**
 * Loading `path/to/module.ts[:export]`: TypeScript through Node's own type stripping (a plain
 * dynamic import), the default export unless one is named, and `--factory` to call it. Every
 * failure says what was tried (`TSGI_SERVER_ERR_LOAD`, exit code 1); an error raised by the
 * module (a syntax error, also in a module it imports, or a throw) names the culprit's
 * `file:line:column` and keeps the error, with its stack, as `cause`.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Application } from '@tsgi/protocol'
import { ServerError, ServerErrorCode } from '../errors.ts'
import { type AppInterface, adaptApp, checkInterface, type Detection } from './interface.ts'
import { type LoadedModule, locateLoadError, traceModules } from './load-error.ts'

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

/** `what: path:line:col: SyntaxError: message`, the error kept as the cause. */
function raised(what: string, error: unknown, loaded: readonly LoadedModule[]): ServerError {
  const { location, summary } = locateLoadError(error, loaded)
  return fail(`${what}: ${location === undefined ? '' : `${location}: `}${summary}`, error)
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

/** How to load a target. */
export interface LoadOptions {
  /** The export is a factory: call it (sync or async) to get the application. */
  factory?: boolean
  /** Where a relative module path starts. Default `process.cwd()`. */
  cwd?: string
  /** What the export is (`--interface`); `auto` (the default) decides by its marks. */
  interface?: AppInterface
}

/** A loaded target: the TSGI application to serve, and what the export was. */
export interface LoadedTarget {
  /** The application (the export itself, or its `fromFetch` / `fromNodeListener` wrapping). */
  app: Application
  /** The interface the export was served as, and why. */
  detection: Detection
  /** `/abs/path/app.ts:name` (with `()` for a factory), as the messages name it. */
  what: string
}

/**
 * Imports the target, checks its interface and returns the application to serve with what it
 * was. Throws `TSGI_SERVER_ERR_LOAD`.
 */
export async function loadTarget(target: string, options: LoadOptions = {}): Promise<LoadedTarget> {
  const { file, exportName } = splitTarget(target)
  const path = resolveModule(file, options.cwd)
  let mod: Record<string, unknown>
  const trace = traceModules()
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    throw raised(`cannot load ${path}`, error, trace.loaded)
  } finally {
    trace.stop()
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
      throw raised(`--factory: ${path}:${name}() threw`, error, [])
    }
  }
  const what = `${path}:${name}${options.factory ? '()' : ''}`
  const detection = checkInterface(app, options.interface ?? 'auto', what)
  return { app: await adaptApp(app, detection, path), detection, what }
}

/**
 * Imports the target and returns the application (calling a factory when asked). A fetch handler
 * or a node listener is wrapped through `@tsgi/adapters` (see `options.interface`).
 */
export async function loadApp(target: string, options: LoadOptions = {}): Promise<Application> {
  return (await loadTarget(target, options)).app
}

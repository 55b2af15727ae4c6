/**
 * Where an application module failed: the file, line and column of the real culprit (which may
 * be a module it imports), as Node prints them for an uncaught error.
 *
 * Node puts that location in `error.stack` for a TypeScript syntax error and for CommonJS, and
 * in the first stack frame for a throw. For a syntax error V8 finds while compiling an ES module
 * it keeps the location where JavaScript cannot read it (Node prints it only for an uncaught
 * error): the modules loaded are traced with a load hook, and the suspects are checked with
 * `node --check`, which prints the location.
 *
 * @module
 */
import { spawnSync } from 'node:child_process'
import * as nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'

// A namespace import: Bun's node:module has no registerHooks, and a named import of a missing
// export is a SyntaxError at load time (the reference server runs under Bun too).
const { registerHooks } = nodeModule as Partial<typeof nodeModule>

/** A module the loader loaded while the application was imported. */
export interface LoadedModule {
  /** Its URL (`file:///…`, `node:…`). */
  url: string
  /** What the loader made of it: `module`, `module-typescript`, `commonjs`, … */
  format: string | null | undefined
}

/** Modules loaded since {@link traceModules}, until `stop()`. */
export interface ModuleTrace {
  /** The modules loaded so far, in order. */
  readonly loaded: readonly LoadedModule[]
  /** Removes the hook. */
  stop(): void
}

/** Records every module loaded until `stop()` (nothing where Node has no `registerHooks`). */
export function traceModules(): ModuleTrace {
  const loaded: LoadedModule[] = []
  if (typeof registerHooks !== 'function') return { loaded, stop() {} }
  const hooks = registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context)
      loaded.push({ url, format: result.format })
      return result
    },
  })
  return { loaded, stop: () => hooks.deregister() }
}

/** `path:line` (or `file:///path:line`) opening a stack that Node decorated with a code frame. */
const HEADER = /^((?:file:\/\/|\/|[A-Za-z]:\\)[^\n]*?):(\d+)\n/
/** `at fn (file:///path:3:9)` or `at file:///path:3:9`: a frame in a file. */
const FRAME = /^\s+at (?:.*\()?((?:file:\/\/|\/|[A-Za-z]:\\)[^()\n]*?):(\d+):(\d+)\)?$/m

function pathOf(file: string): string {
  return file.startsWith('file://') ? fileURLToPath(file) : file
}

/** The location a code frame points at: the header's line, and the column of its caret. */
function headerLocation(text: string): string | undefined {
  const header = HEADER.exec(text)
  if (!header) return undefined
  const frame = text.slice(header[0].length).split('\n\n')[0]!
  const caret = frame.split('\n').find((l) => /^\s*\^+\s*$/.test(l))
  const column = caret === undefined ? '' : `:${caret.indexOf('^') + 1}`
  return `${pathOf(header[1]!)}:${header[2]}${column}`
}

/** The first stack frame in a file (node's own frames are skipped). */
function frameLocation(stack: string): string | undefined {
  const frame = FRAME.exec(stack)
  return frame ? `${pathOf(frame[1]!)}:${frame[2]}:${frame[3]}` : undefined
}

/**
 * Runs in a child: strips the types of a TypeScript module (positions are kept), copies it to a
 * temporary `.mjs` and prints what `node --check` says about it, with the real path put back.
 */
const CHECK = `
const fs = require('node:fs'), path = require('node:path'), os = require('node:os')
const [file, ts] = process.argv.slice(1)
let source = fs.readFileSync(file, 'utf8')
if (ts === '1') source = require('node:module').stripTypeScriptTypes(source)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsgi-check-'))
const copy = path.join(dir, 'module.mjs')
fs.writeFileSync(copy, source)
const r = require('node:child_process').spawnSync(process.execPath, ['--check', copy], { encoding: 'utf8' })
fs.rmSync(dir, { recursive: true, force: true })
if (r.status !== 0) process.stdout.write(String(r.stderr).split(copy).join(file))
`
/** Suspects checked at most: the culprit is the last module loaded in practice. */
const SUSPECTS = 3

/** The code frame `node --check` prints for the ES module that does not compile. */
function checkSuspects(loaded: readonly LoadedModule[]): string | undefined {
  const suspects = loaded
    .filter((m) => m.url.startsWith('file:') && /^module(-typescript)?$/.test(String(m.format)))
    .slice(-SUSPECTS)
    .reverse()
  for (const { url, format } of suspects) {
    const file = fileURLToPath(url)
    const ts = format === 'module-typescript' ? '1' : '0'
    const result = spawnSync(process.execPath, ['--no-warnings', '-e', CHECK, file, ts], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    const text = result.stdout ?? ''
    if (HEADER.test(text)) return text.split('\n\n')[0]
  }
  return undefined
}

/** The culprit's location, and the one-line summary of the error. */
export interface LoadFailure {
  /** `path:line:column` (`path:line` when there is no column), if it could be found. */
  location: string | undefined
  /** `SyntaxError [ERR_…]: message`, as Node heads an error. */
  summary: string
}

/**
 * Locates the failure of an import (or of a factory call). A syntax error of an ES module gets
 * the code frame Node would have printed put at the top of its `stack`, as Node does itself.
 */
export function locateLoadError(error: unknown, loaded: readonly LoadedModule[]): LoadFailure {
  if (!(error instanceof Error)) return { location: undefined, summary: String(error) }
  const code = (error as { code?: unknown }).code
  const summary = `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`
  const stack = error.stack ?? ''
  let location = headerLocation(stack) ?? frameLocation(stack)
  // A compile error of an ES module: no code frame, and no frame of the application either.
  if (location === undefined && error.name === 'SyntaxError') {
    const frame = checkSuspects(loaded)
    if (frame !== undefined) {
      error.stack = `${frame}\n\n${stack}`
      location = headerLocation(error.stack)
    }
  }
  return { location, summary }
}

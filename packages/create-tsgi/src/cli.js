// @ts-check
/**
 * The `create-tsgi` command: arguments in, a project on disk, an exit code out.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { CreateError, CreateErrorCode, generate } from './generate.js'

/** Exit codes: 0 created (or help/version), 1 the target cannot be used, 2 bad arguments. */
export const ExitCode = /** @type {const} */ ({ ok: 0, target: 1, usage: 2 })

const HELP = `Usage: npm create tsgi@latest [directory]
       create-tsgi [directory]

Creates a tsgi app in <directory> (default: my-app), which must not exist or be empty: a
framework app with a route, a validated body (zod), a middleware, a background task
(@tsgi/tasks), tests with @tsgi/framework/testing, a tsconfig.json for Node's type stripping,
and a Dockerfile.

Options:
  --help, -h     Print this help and exit.
  --version, -v  Print the version and exit.

Exit codes: 0 created, 1 the directory is not empty or cannot be written, 2 bad arguments.`

/**
 * Where output goes, and the directory relative paths start from.
 * @typedef {{ cwd: string, out: (line: string) => void, err: (line: string) => void }} Io
 */

/**
 * Runs the command.
 * @param {readonly string[]} argv the arguments after the command name
 * @param {Io} io
 * @returns {number} the exit code
 */
export function main(argv, io) {
  /** @type {string[]} */
  const positional = []
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      io.out(HELP)
      return ExitCode.ok
    }
    if (arg === '--version' || arg === '-v') {
      io.out(version())
      return ExitCode.ok
    }
    if (arg.startsWith('-') && arg !== '-') {
      io.err(`create-tsgi: unknown option ${arg} (see --help) [${CreateErrorCode.usage}]`)
      return ExitCode.usage
    }
    positional.push(arg)
  }
  if (positional.length > 1) {
    io.err(
      `create-tsgi: one directory, not ${positional.length} (${positional.join(' ')}) [${CreateErrorCode.usage}]`,
    )
    return ExitCode.usage
  }
  const target = resolve(io.cwd, positional[0] ?? 'my-app')
  try {
    const { name, files } = generate(target)
    const shown = relative(io.cwd, target) || '.'
    io.out(`Created ${name} in ${shown} (${files.length} files).`)
    io.out('')
    if (shown !== '.') io.out(`  cd ${shown.includes(' ') ? JSON.stringify(shown) : shown}`)
    io.out('  npm install')
    io.out('  npm run dev    # http://127.0.0.1:8000, restarts on changes')
    io.out('  npm test')
    return ExitCode.ok
  } catch (error) {
    if (!(error instanceof CreateError)) throw error
    io.err(`create-tsgi: ${error.message} [${error.code}]`)
    return error.code === CreateErrorCode.usage ? ExitCode.usage : ExitCode.target
  }
}

/** This package's version. */
function version() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  return `create-tsgi ${pkg.version}`
}

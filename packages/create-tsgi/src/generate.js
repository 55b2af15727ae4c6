// @ts-check
/**
 * Copies the template into the target directory: the files as they are, except that names
 * starting with `_` get a dot (npm never packs a `.gitignore`) and package.json gets the
 * project's name.
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The template, shipped beside this file. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../template/', import.meta.url))

/** Stable codes of the starter's errors. */
export const CreateErrorCode = /** @type {const} */ ({
  /** Bad command-line arguments. */
  usage: 'TSGI_CREATE_ERR_USAGE',
  /** The target directory has files in it. */
  notEmpty: 'TSGI_CREATE_ERR_NOT_EMPTY',
  /** The target exists and is not a directory. */
  notDirectory: 'TSGI_CREATE_ERR_NOT_DIRECTORY',
})

/**
 * An error with a {@link CreateErrorCode}: the shape of `TSGIError` (`code`, `cause`), which
 * the starter cannot extend because it depends on no tsgi package (docs/errors.md).
 */
export class CreateError extends Error {
  /**
   * @param {string} code one of {@link CreateErrorCode}
   * @param {string} message
   * @param {ErrorOptions} [options]
   */
  constructor(code, message, options) {
    super(message, options)
    this.name = 'CreateError'
    /** @type {string} */
    this.code = code
  }
}

/** Entries a directory may hold and still count as empty (what `git init` leaves). */
const IGNORED = new Set(['.git', '.DS_Store', 'Thumbs.db'])

/**
 * An npm package name from a directory name: lowercase, characters npm refuses become `-`.
 * @param {string} dir
 */
export function packageName(dir) {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '')
  return name === '' ? 'tsgi-app' : name
}

/**
 * Refuses a target that is a file or holds anything but {@link IGNORED} entries.
 * @param {string} target
 */
function checkTarget(target) {
  let entries
  try {
    if (!statSync(target).isDirectory())
      throw new CreateError(CreateErrorCode.notDirectory, `${target} exists and is not a directory`)
    entries = readdirSync(target).filter((entry) => !IGNORED.has(entry))
  } catch (error) {
    if (/** @type {{ code?: unknown }} */ (error).code === 'ENOENT') return
    throw error
  }
  if (entries.length === 0) return
  const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? ', …' : '')
  throw new CreateError(
    CreateErrorCode.notEmpty,
    `${target} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}: ${shown}): ` +
      'choose a new directory, or empty this one; nothing was written',
  )
}

/**
 * Every file of the template, as paths relative to it.
 * @param {string} dir
 * @returns {string[]}
 */
function templateFiles(dir = TEMPLATE_DIR) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return templateFiles(path)
    return [relative(TEMPLATE_DIR, path)]
  })
}

/** `_gitignore` → `.gitignore`: npm would drop or rename a dotfile of that name when packing. */
const outputName = (/** @type {string} */ file) =>
  file
    .split(/[\\/]/)
    .map((part) => (part.startsWith('_') ? `.${part.slice(1)}` : part))
    .join('/')

/**
 * Writes the project into `target` (created if missing). Never overwrites: the target must be
 * missing or empty.
 * @param {string} target an absolute path
 * @returns {{ name: string, files: string[] }} the package name and the files written
 */
export function generate(target) {
  checkTarget(target)
  const name = packageName(target)
  const files = templateFiles().sort()
  for (const file of files) {
    const out = join(target, outputName(file))
    let content = readFileSync(join(TEMPLATE_DIR, file))
    if (file === 'package.json') {
      const pkg = JSON.parse(content.toString('utf8'))
      content = Buffer.from(`${JSON.stringify({ ...pkg, name }, null, 2)}\n`)
    }
    mkdirSync(join(out, '..'), { recursive: true })
    writeFileSync(out, content, { flag: 'wx' })
  }
  return { name, files: files.map(outputName) }
}

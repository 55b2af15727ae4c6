/**
 * The starter's command: what it writes, what it refuses (with a code and nothing written),
 * and its exit codes, in process and through `node bin.js`.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { ExitCode, main } from '../src/cli.js'
import { CreateErrorCode, packageName } from '../src/generate.js'
import { REPO, run } from './process.ts'

let cwd: string
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'create-tsgi-'))
})
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true })
})

function capture(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = main(argv, { cwd, out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** Every file under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

const PROJECT = [
  '.dockerignore',
  '.gitignore',
  'Dockerfile',
  'README.md',
  'package.json',
  'src/app.ts',
  'src/middleware.ts',
  'src/tasks.ts',
  'test/app.test.ts',
  'tsconfig.json',
]

describe('create-tsgi', () => {
  test('writes the project, dotfiles renamed, package named after the directory', async () => {
    const r = capture(['My App'])
    expect(r).toMatchObject({ code: ExitCode.ok, err: '' })
    expect(r.out).toContain('Created my-app in My App (10 files)')
    expect(r.out).toContain('cd "My App"')
    expect(await tree(join(cwd, 'My App'))).toEqual(PROJECT)
    const pkg = JSON.parse(await readFile(join(cwd, 'My App', 'package.json'), 'utf8'))
    expect(pkg.name).toBe('my-app')
    expect(Object.keys(pkg.scripts).sort()).toEqual(['dev', 'start', 'test', 'typecheck'])
    expect(pkg.scripts.dev).toContain('--reload')
  })

  test('defaults to my-app; a directory holding only .git counts as empty', async () => {
    await mkdir(join(cwd, 'my-app', '.git'), { recursive: true })
    expect(capture([]).code).toBe(ExitCode.ok)
    expect(await tree(join(cwd, 'my-app'))).toEqual(PROJECT)
  })

  test('"." generates into the (empty) current directory', async () => {
    const r = capture(['.'])
    expect(r.code).toBe(ExitCode.ok)
    expect(r.out).not.toContain('cd ')
    expect(await tree(cwd)).toEqual(PROJECT)
  })

  test('a non-empty directory is refused with its entries named, and nothing is written', async () => {
    await mkdir(join(cwd, 'taken'))
    await writeFile(join(cwd, 'taken', 'notes.txt'), 'mine')
    await writeFile(join(cwd, 'taken', 'package.json'), '{}')
    const r = capture(['taken'])
    expect(r.code).toBe(ExitCode.target)
    expect(r.err).toBe(
      `create-tsgi: ${join(cwd, 'taken')} is not empty (2 entries: notes.txt, package.json): ` +
        `choose a new directory, or empty this one; nothing was written [${CreateErrorCode.notEmpty}]`,
    )
    expect(await tree(join(cwd, 'taken'))).toEqual(['notes.txt', 'package.json'])
    expect(await readFile(join(cwd, 'taken', 'package.json'), 'utf8')).toBe('{}')
  })

  test('a file where the directory should be is refused', async () => {
    await writeFile(join(cwd, 'file'), '')
    const r = capture(['file'])
    expect(r.code).toBe(ExitCode.target)
    expect(r.err).toContain(`[${CreateErrorCode.notDirectory}]`)
  })

  test.each([
    [['--template', 'x'], /unknown option --template/],
    [['a', 'b'], /one directory, not 2 \(a b\)/],
  ])('%j is a usage error (exit 2), nothing written', async (argv, message) => {
    const r = capture(argv)
    expect(r.code).toBe(ExitCode.usage)
    expect(r.err).toMatch(message)
    expect(r.err).toContain(`[${CreateErrorCode.usage}]`)
    expect(await readdir(cwd)).toEqual([])
  })

  test('--help and --version', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '../package.json'), 'utf8'))
    expect(capture(['--help']).out).toMatch(/^Usage: npm create tsgi@latest \[directory\]/)
    expect(capture(['-v']).out).toBe(`create-tsgi ${pkg.version}`)
    expect(await readdir(cwd)).toEqual([])
  })

  test.each([
    ['/x/My Cool_App', 'my-cool_app'],
    ['/x/.hidden', 'hidden'],
    ['/x/@@@', 'tsgi-app'],
  ])('package name of %s is %s', (dir, name) => {
    expect(packageName(dir)).toBe(name)
  })

  test('through node bin.js: exit codes and streams as a shell sees them', async () => {
    const bin = join(REPO, 'packages/create-tsgi/bin.js')
    const ok = await run(process.execPath, [bin, 'app'], { cwd })
    expect(ok.stdout).toContain('Created app in app')
    const again = await run(process.execPath, [bin, 'app'], { cwd, allowFail: true })
    expect(again.code).toBe(ExitCode.target)
    expect(again.stdout).toBe('')
    expect(again.stderr).toContain(`[${CreateErrorCode.notEmpty}]`)
    const bad = await run(process.execPath, [bin, '--nope'], { cwd, allowFail: true })
    expect(bad.code).toBe(ExitCode.usage)
  })
})

describe('the template', () => {
  test('names every @tsgi package at the version in this workspace', async () => {
    const template = JSON.parse(
      await readFile(join(import.meta.dirname, '../template/package.json'), 'utf8'),
    )
    const ranges = { ...template.dependencies, ...template.devDependencies }
    const tsgi = Object.keys(ranges).filter((name) => name.startsWith('@tsgi/'))
    expect(tsgi.sort()).toEqual(['@tsgi/framework', '@tsgi/server', '@tsgi/tasks'])
    for (const name of tsgi) {
      const dir = join(REPO, 'packages', name.slice('@tsgi/'.length), 'package.json')
      const { version } = JSON.parse(await readFile(dir, 'utf8'))
      expect(ranges[name], name).toBe(`^${version}`)
    }
  })

  test("its own tests pass against this workspace's sources (node --test)", async () => {
    const r = await run(
      process.execPath,
      ['--conditions=@tsgi/source', '--test', 'test/**/*.test.ts'],
      {
        cwd: join(import.meta.dirname, '../template'),
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    )
    expect(r.stdout).toMatch(/^ℹ pass 8$/m)
    expect(r.stdout).toMatch(/^ℹ fail 0$/m)
  })
})

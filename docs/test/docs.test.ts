/**
 * The docs cannot rot: every code block announced with `<!-- example: <file> -->` in the guides
 * and the READMEs must be the file's exact content, and every example's `main()` runs here.
 * Type-checking is `pnpm typecheck` (tsconfig.json includes examples/).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const root = resolve(docs, '..')
const examples = join(docs, 'examples')

const markdown = [
  join(root, 'README.md'),
  ...readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(docs, f)),
  ...['protocol', 'server', 'framework', 'tasks', 'adapters'].map((p) =>
    join(root, 'packages', p, 'README.md'),
  ),
  join(root, 'apps', 'demo', 'README.md'),
]

const MARKER = /<!-- example: ([^ ]+) -->\s*\n```ts\n([\s\S]*?)```/g

describe('code blocks are the example files, verbatim', () => {
  const blocks = markdown.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(MARKER)].map((m) => ({
      file,
      example: m[1]!,
      code: m[2]!,
    })),
  )
  test('every example file is embedded somewhere', () => {
    const embedded = new Set(blocks.map((b) => b.example))
    const files = readdirSync(examples).filter((f) => f.endsWith('.ts'))
    expect(files.filter((f) => !embedded.has(f))).toEqual([])
  })
  test.each(blocks.map((b) => [relative(root, b.file), b.example, b.code] as const))(
    '%s embeds %s',
    (_file, example, code) => {
      expect(code).toBe(readFileSync(join(examples, example), 'utf8'))
    },
  )
})

const expected: Record<string, unknown> = {
  'hello-protocol.ts': { path: '/hello', bytes: 4 },
  'hello-text.ts': { status: 200, text: 'Hello from /hi\n' },
  'serve-protocol-app.ts': { path: '/upload', size: 5 },
  'hello-framework.ts': { hello: { hello: 'ada' }, created: 201, invalid: 422 },
  'node-adapter.ts': { ok: true },
  'toy-server.ts': { path: '/toy', bytes: 3 },
  'mini-framework.ts': { ok: { pong: true }, missing: 404 },
  'check-app.ts': { passed: true, violations: [] },
  'express-on-tsgi.ts': { body: { echoed: { n: 1 } }, cookies: 2 },
  'hono-on-tsgi.ts': { overSocket: { id: '7' }, direct: { id: '8' } },
  'lambda-on-tsgi.ts': {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: ['seen=1', 'theme=dark'],
    body: '{"hello":"ada"}',
    isBase64Encoded: false,
  },
  'mount-foreign-apps.ts': {
    root: { served: 'by the framework' },
    legacy: { url: '/users', baseUrl: '/legacy' },
    hono: { hello: 'hono' },
  },
  'koa-fastify-on-tsgi.ts': { koa: { from: 'koa', path: '/k' }, fastify: { from: 'fastify' } },
  'testing-kit.ts': {
    memory: { status: 200, body: { id: '1' } },
    socket: { status: 200, body: { id: '1' } },
  },
  'background-job.ts': { status: 200, state: 'completed', result: { sent: 'ada@example.com' } },
  'testing-node-test.ts': { exitCode: 0, pass: 4, fail: 0 },
  'testing-tasks.ts': {
    memory: { status: 200, state: 'completed', result: { sent: 'ada@example.com' } },
    socket: { status: 200, state: 'completed', result: { sent: 'ada@example.com' } },
  },
  'testing-raw-socket.ts': { status: 'HTTP/1.1 400 Bad Request', warned: 1 },
  'json-logger.ts': { timestamped: true, access: ['"GET /ping HTTP/1.1" 204'] },
  'typed-locals.ts': { me: { id: 'ada' }, whoami: { admin: true }, anonymous: 401 },
}

test('every TypeScript block in the guides and the root README is a checked example', () => {
  const guides = [
    join(root, 'README.md'),
    join(root, 'CONTRIBUTING.md'),
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(docs, f)),
  ]
  const unchecked = guides.flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    return [...text.matchAll(/(<!-- example: [^ ]+ -->\s*\n)?```ts\n/g)]
      .filter((m) => !m[1])
      .map(() => relative(root, file))
  })
  expect(unchecked).toEqual([])
})

describe('every example runs', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.ts'))
  test('each example has an expected result here', () => {
    expect(files.sort()).toEqual(Object.keys(expected).sort())
  })
  test.each(files)('%s', async (file) => {
    const mod = (await import(join(examples, file))) as { main(): Promise<unknown> }
    expect(await mod.main()).toEqual(expected[file])
  })
})

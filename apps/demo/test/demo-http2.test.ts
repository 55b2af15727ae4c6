/**
 * The demo over HTTP/2 (issue 15), as a user runs it: the `tsgi` binary with `--http2`, then
 * curl — `--http2-prior-knowledge` (h2c beside HTTP/1.1 on the same port) and, with
 * `--ssl-keyfile/--ssl-certfile`, `--http2 -k` (h2 chosen by ALPN) — against a few routes:
 * curl reports HTTP version 2, the bodies are the demo's, the access log says `HTTP/2`.
 * Skipped, with the reason, when curl is missing or was built without HTTP/2.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { until } from './demo-process.ts'

const cli = fileURLToPath(new URL('../../../packages/server/src/cli/main.ts', import.meta.url))
const root = fileURLToPath(new URL('..', import.meta.url))
const keyfile = fileURLToPath(new URL('./fixtures/tls/key.pem', import.meta.url))
const certfile = fileURLToPath(new URL('./fixtures/tls/cert.pem', import.meta.url))

/** How long one curl may take: generous, for a loaded machine. */
const CURL_TIMEOUT_MS = 15_000

function run(
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: CURL_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

/** Why curl cannot drive these tests, or null when its Features line has HTTP2. */
const whyNot = await run('curl', ['--version']).then(({ code, stdout }) => {
  if (code !== 0) return 'curl is not installed'
  const features = /^Features:(.*)$/m.exec(stdout)?.[1] ?? ''
  return /\bHTTP2\b/.test(features) ? null : 'this curl was built without HTTP2'
})
if (whyNot !== null) console.warn(`skipping the demo's HTTP/2 curl tests: ${whyNot}`)

interface Demo {
  url: string
  output: () => string
  stop: () => Promise<number | null>
}

/** Starts the demo through the `tsgi` binary (from source) with `args` after the app. */
async function startDemo(args: string[]): Promise<Demo> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@tsgi/source', cli, 'src/app.ts:app', '--port', '0', ...args],
    { cwd: root, env: { ...process.env, REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /running on (https?:\/\/\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    exited.then((code) => reject(new Error(`demo exited with ${code}:\n${out}`)))
  })
  return {
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

/** What curl got: the HTTP version it spoke, the status, the content type, the body. */
interface CurlAnswer {
  version: string
  status: number
  type: string
  body: string
}

const MARK = '\n--curl-write-out--'

async function curl(args: string[]): Promise<CurlAnswer> {
  const r = await run('curl', [
    '-sS',
    '-w',
    `${MARK} %{http_version} %{http_code} %{content_type}`,
    ...args,
  ])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const at = r.stdout.lastIndexOf(MARK)
  const [version = '', status = '0', type = ''] = r.stdout.slice(at + MARK.length + 1).split(' ')
  return { version, status: Number(status), type, body: r.stdout.slice(0, at) }
}

const modes = [
  {
    name: 'h2c: curl --http2-prior-knowledge',
    serve: ['--http2'],
    curl: ['--http2-prior-knowledge'],
  },
  {
    name: 'h2 over TLS: curl --http2 -k',
    serve: ['--http2', '--ssl-keyfile', keyfile, '--ssl-certfile', certfile],
    curl: ['--http2', '-k'],
  },
]

describe.skipIf(whyNot !== null).each(modes)('the demo served with --http2, $name', (mode) => {
  let demo: Demo
  beforeAll(async () => {
    demo = await startDemo(mode.serve)
  })
  afterAll(async () => {
    expect(await demo.stop()).toBe(0)
  })
  const get = (path: string, ...extra: string[]) =>
    curl([...mode.curl, ...extra, `${demo.url}${path}`])

  test('GET / is the demo JSON over HTTP/2; the access log says HTTP/2', async () => {
    const res = await get('/')
    expect([res.version, res.status, res.type]).toEqual(['2', 200, 'application/json'])
    expect(JSON.parse(res.body)).toMatchObject({ name: 'tsgi demo' })
    await until(() => demo.output().includes('"GET / HTTP/2" 200'))
  })

  test('HEAD / has the GET headers (its length included) and no body', async () => {
    const body = (await get('/')).body
    const res = await get('/', '--head')
    expect([res.version, res.status]).toEqual(['2', 200])
    // --head prints the response head as the body: the status line and fields, nothing after.
    expect(res.body).toMatch(/^HTTP\/2 200 ?\r\n/)
    expect(res.body).toContain('\r\ncontent-type: application/json\r\n')
    expect(res.body).toContain(`\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`)
    expect(res.body.endsWith('\r\n\r\n')).toBe(true)
  })

  test('typed params and a validated JSON POST', async () => {
    const user = await get('/users/42')
    expect([user.version, user.status, JSON.parse(user.body)]).toEqual(['2', 200, { id: 42 }])
    const json = ['-H', 'content-type: application/json']
    const created = await get('/users', ...json, '-d', JSON.stringify({ name: 'Ada', age: 36 }))
    expect([created.version, created.status]).toEqual(['2', 201])
    const invalid = await get('/users', ...json, '-d', JSON.stringify({ name: '', age: -1 }))
    expect([invalid.status, invalid.type]).toEqual([422, 'application/problem+json'])
    const paths = (JSON.parse(invalid.body) as { errors: Array<{ path: string }> }).errors
    expect(paths.map((e) => e.path).sort()).toEqual(['body.age', 'body.name'])
  })

  test('GET /stream arrives whole; /web, the hono mount and a 404 are the demo answers', async () => {
    const streamed = await get('/stream')
    expect([streamed.version, streamed.status]).toEqual(['2', 200])
    expect(streamed.body).toBe('chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n')
    const web = await get('/web')
    expect([web.version, web.status, web.body]).toEqual(['2', 200, 'made with the Fetch API\n'])
    const hono = await get('/hono/hello?name=h2')
    expect([hono.version, hono.status]).toEqual(['2', 200])
    expect(JSON.parse(hono.body)).toEqual({ hello: 'h2', from: 'hono' })
    const missing = await get('/nope')
    expect([missing.version, missing.status, missing.type]).toEqual([
      '2',
      404,
      'application/problem+json',
    ])
  })
})

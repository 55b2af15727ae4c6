/**
 * Errors with codes everywhere (issue 12, item 7): every framework error has a stable code, one
 * name per status (RFC 9110's reason phrase, in the title, the class name, `Status` and the
 * status line), and the README's table lists exactly the code constants. In memory and over a
 * socket.
 */
import { readFileSync } from 'node:fs'
import { statusText } from '@tsgi/protocol'
import { describe, expect, test } from 'vitest'
import { defaultErrorCode, HandlerResultError } from '../src/errors.ts'
import {
  BadRequestError,
  ConflictError,
  ContentTooLargeError,
  createApp,
  DuplicateRouteError,
  ForbiddenError,
  FrameworkErrorCode,
  HTTPError,
  type HTTPErrorClass,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  RoutePatternError,
  ServiceUnavailableError,
  Status,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableContentError,
  UnsupportedMediaTypeError,
} from '../src/index.ts'
import { describeBoth } from './both.ts'

const classes: Array<[number, string, HTTPErrorClass]> = [
  [400, FrameworkErrorCode.badRequest, BadRequestError],
  [401, FrameworkErrorCode.unauthorized, UnauthorizedError],
  [403, FrameworkErrorCode.forbidden, ForbiddenError],
  [404, FrameworkErrorCode.notFound, NotFoundError],
  [409, FrameworkErrorCode.conflict, ConflictError],
  [413, FrameworkErrorCode.contentTooLarge, ContentTooLargeError],
  [415, FrameworkErrorCode.unsupportedMediaType, UnsupportedMediaTypeError],
  [422, FrameworkErrorCode.unprocessableContent, UnprocessableContentError],
  [429, FrameworkErrorCode.tooManyRequests, TooManyRequestsError],
  [500, FrameworkErrorCode.internal, InternalServerError],
  [503, FrameworkErrorCode.serviceUnavailable, ServiceUnavailableError],
]

/** `Content Too Large` → `ContentTooLarge`. */
const identifier = (phrase: string) => phrase.replace(/[^A-Za-z]/g, '')

describe('codes and names', () => {
  test.each(classes)('%i: code %s, RFC 9110 title and name', (status, code, Class) => {
    const error = new Class()
    expect([error.status, error.code, error.title]).toEqual([status, code, statusText(status)])
    const name = identifier(statusText(status))
    expect(error.name).toBe(name.endsWith('Error') ? name : `${name}Error`)
    expect(error.toProblem()).toMatchObject({ status, code, title: statusText(status) })
  })

  test('an explicit code wins; other statuses get TSGI_FW_ERR_HTTP_<status>', () => {
    expect(new NotFoundError('x', { code: 'APP_NO_USER' }).code).toBe('APP_NO_USER')
    expect(new HTTPError(418).code).toBe('TSGI_FW_ERR_HTTP_418')
    expect(new HTTPError(426).code).toBe(FrameworkErrorCode.upgradeRequired)
    expect(new MethodNotAllowedError('PUT', ['GET']).code).toBe(FrameworkErrorCode.methodNotAllowed)
    expect(defaultErrorCode(404)).toBe(FrameworkErrorCode.notFound)
  })

  test('programming errors carry their codes', () => {
    expect(new DuplicateRouteError('GET', '/').code).toBe(FrameworkErrorCode.duplicateRoute)
    expect(new HandlerResultError('x').code).toBe(FrameworkErrorCode.handlerResult)
    const app = createApp()
    let pattern: unknown
    try {
      app.get('/a/:', () => 'x')
    } catch (error) {
      pattern = error
    }
    expect(pattern).toBeInstanceOf(RoutePatternError)
    expect((pattern as RoutePatternError).code).toBe(FrameworkErrorCode.routePattern)
  })

  test('every named status is RFC 9110’s reason phrase', () => {
    for (const [key, status] of Object.entries(Status))
      expect([status, key]).toEqual([status, identifier(statusText(status))])
  })
})

describe('the README error table', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf('\n## Errors\n')
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1))
  const rows = section.split('\n').filter((line) => /^\| `TSGI_FW_/.test(line))
  const documented = rows.map((row) => /^\| `([^`]+)`/.exec(row)![1]!)
  const constants: string[] = Object.values(FrameworkErrorCode)

  test('has rows', () => {
    expect(documented.length).toBeGreaterThan(10)
  })

  test('every documented code exists', () => {
    const pattern = 'TSGI_FW_ERR_HTTP_<status>'
    expect(documented.filter((code) => code !== pattern && !constants.includes(code))).toEqual([])
    expect(defaultErrorCode(418)).toBe(pattern.replace('<status>', '418'))
  })

  test('every code constant is documented, once', () => {
    expect(constants.filter((code) => !documented.includes(code))).toEqual([])
    expect(new Set(documented).size).toBe(documented.length)
  })

  test('each row’s status is its class’s status', () => {
    const statusOf = new Map(classes.map(([status, code]) => [code, status]))
    const mismatched = rows
      .map((row) => row.split('|').map((cell) => cell.trim().replace(/`/g, '')))
      .filter(([, code, status]) => statusOf.has(code!) && Number(status) !== statusOf.get(code!))
    expect(mismatched).toEqual([])
  })
})

function makeApp() {
  const app = createApp({ bodyLimit: 8, logger: { error() {} } })
  app.get('/user', () => {
    throw new NotFoundError('no such user')
  })
  app.get('/teapot', () => {
    throw new HTTPError(418)
  })
  app.get('/invalid', () => {
    throw new UnprocessableContentError('bad')
  })
  app.post('/upload', async (req) => (await req.bytes()).byteLength)
  app.ws('/socket', (socket) => socket.accept())
  return app
}

describeBoth('codes on the wire', makeApp, (client) => {
  const statusLine = async (path: string, init?: RequestInit) => {
    if (client().transport !== 'socket') return undefined
    const res = await fetch(`${client().url}${path}`, init)
    await res.arrayBuffer()
    return res.statusText
  }

  test('a NotFoundError thrown by the app has its code', async () => {
    const res = await client().request('/user')
    expect(res.status).toBe(404)
    expect(res.json()).toMatchObject({ code: 'TSGI_FW_ERR_NOT_FOUND', title: 'Not Found' })
  })

  test('413 is Content Too Large in the title and the status line', async () => {
    const res = await client().request('/upload', { method: 'POST', body: 'x'.repeat(100) })
    expect(res.status).toBe(413)
    expect(res.json()).toMatchObject({
      code: 'TSGI_FW_ERR_BODY_TOO_LARGE',
      title: 'Content Too Large',
    })
    const line = await statusLine('/upload', { method: 'POST', body: 'x'.repeat(100) })
    if (line !== undefined) expect(line).toBe('Content Too Large')
  })

  test('422 is Unprocessable Content in the title and the status line', async () => {
    const res = await client().request('/invalid')
    expect(res.json()).toMatchObject({
      code: 'TSGI_FW_ERR_UNPROCESSABLE_CONTENT',
      title: 'Unprocessable Content',
    })
    const line = await statusLine('/invalid')
    if (line !== undefined) expect(line).toBe('Unprocessable Content')
  })

  test('other statuses, the router’s own errors', async () => {
    expect((await client().request('/teapot')).json()).toMatchObject({
      code: 'TSGI_FW_ERR_HTTP_418',
    })
    expect((await client().request('/nowhere')).json()).toMatchObject({
      code: 'TSGI_FW_ERR_ROUTE_NOT_FOUND',
    })
    expect((await client().request('/user', { method: 'DELETE' })).json()).toMatchObject({
      code: 'TSGI_FW_ERR_METHOD_NOT_ALLOWED',
    })
    expect((await client().request('/socket')).json()).toMatchObject({
      code: 'TSGI_FW_ERR_UPGRADE_REQUIRED',
    })
  })
})

/**
 * The suite's response parser is strict (a response starts exactly where the previous one
 * ended), and the memory probe reads /proc.
 */
import { createServer } from 'node:net'
import { describe, expect, test } from 'vitest'
import { canMeasure, treeRss } from './proc.ts'
import { CaseSkipped, ConformanceFailure, expectThat } from './types.ts'
import { exchange, get, parseResponses, WireParseError } from './wire.ts'

const b = (s: string) => Buffer.from(s, 'latin1')
const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`

describe('parseResponses', () => {
  test('pipelined responses with lengths, chunks and trailers', () => {
    const chunked =
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nx-sum: 9\r\n\r\n'
    const [a, c, d] = parseResponses(b(ok('xy') + chunked + ok('z')))
    expect(a).toMatchObject({ status: 200, truncated: false })
    expect(a!.body.toString()).toBe('xy')
    expect(c).toMatchObject({ chunked: true, trailers: [['x-sum', '9']], truncated: false })
    expect(c!.body.toString()).toBe('abcde')
    expect(d!.body.toString()).toBe('z')
  })

  test('bodies after HEAD, 204 and 304 responses are stray bytes, not a next response', () => {
    const head = 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n'
    expect(parseResponses(b(head + ok('x')), [true])).toHaveLength(2)
    expect(() => parseResponses(b(`${head}xxxxx${ok('x')}`), [true])).toThrow(WireParseError)
    for (const status of ['204 No Content', '304 Not Modified']) {
      const bodyless = `HTTP/1.1 ${status}\r\n\r\n`
      expect(parseResponses(b(bodyless + ok('x')))).toHaveLength(2)
      expect(() => parseResponses(b(`${bodyless}body${ok('x')}`))).toThrow(
        /bytes that do not start a response at byte \d+: "bodyHTTP\/1\.1 200/,
      )
    }
  })

  test('a status line must be exactly HTTP/1.x NNN SP', () => {
    for (const bad of ['HTTP/1.1 200\r\n\r\n', 'HTTP/2 200 OK\r\n\r\n', ' HTTP/1.1 200 OK\r\n\r\n'])
      expect(() => parseResponses(b(bad))).toThrow(WireParseError)
    expect(parseResponses(b('HTTP/1.0 200 \r\ncontent-length: 0\r\n\r\n'))[0]!.status).toBe(200)
  })

  test('malformed fields, chunk lines and lengths are refused', () => {
    const chunked = (body: string) => `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${body}`
    for (const bad of [
      'HTTP/1.1 200 OK\r\nno colon\r\n\r\n',
      'HTTP/1.1 200 OK\r\nbad name: 1\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nx',
      'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n',
      chunked('zz\r\nab\r\n0\r\n\r\n'),
      chunked('3\r\nabcX0\r\n\r\n'),
      chunked('3\nabc\r\n0\r\n\r\n'),
    ])
      expect(() => parseResponses(b(bad)), JSON.stringify(bad)).toThrow(WireParseError)
  })

  test('bytes that end early are truncated, or an incomplete head, never an error', () => {
    expect(parseResponses(b('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab'))[0]!.truncated).toBe(
      true,
    )
    const cut = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab'
    expect(parseResponses(b(cut))[0]).toMatchObject({ chunked: true, truncated: true })
    for (const prefix of [
      'H',
      'HTTP/1.',
      'HTTP/1.1 2',
      'HTTP/1.1 200 OK\r',
      'HTTP/1.1 200 OK\r\nconte',
    ])
      expect(parseResponses(b(ok('x') + prefix))).toHaveLength(1)
    expect(() => parseResponses(b(`${ok('x')}X`))).toThrow(WireParseError)
  })

  test('1xx responses have no body; after a 101 the bytes are another protocol', () => {
    const r = parseResponses(b(`HTTP/1.1 100 Continue\r\n\r\n${ok('x')}`))
    expect(r.map((x) => x.status)).toEqual([100, 200])
    const ws = parseResponses(
      b('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n\x81\x02hi'),
    )
    expect(ws.map((x) => x.status)).toEqual([101])
  })
})

describe('treeRss', () => {
  test.skipIf(!canMeasure(process.pid))('the resident memory of a process and its children', () => {
    expect(treeRss(process.pid)).toBeGreaterThan(10 * 1024 * 1024)
  })
})

describe('exchange', () => {
  test('writes the pieces in order and collects the answer until the server closes', async () => {
    const server = createServer((socket) => {
      let got = ''
      socket.on('data', (d) => {
        got += d.toString()
        if (got.endsWith('\r\n\r\n')) socket.end(ok(got.split(' ')[1]!))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as { port: number }
    try {
      const r = await exchange(port, '127.0.0.1', ['GET /piece', 's HTTP/1.1\r\n', '\r\n'])
      expect(r.closed).toBe(true)
      expect(parseResponses(r.raw)[0]!.body.toString()).toBe('/pieces')
      const early = await exchange(port, '127.0.0.1', [get('/x')], { until: (b) => b.length > 0 })
      expect(early.closed).toBe(false)
    } finally {
      server.close()
    }
  })
})

describe('case outcomes', () => {
  test('expectThat throws a ConformanceFailure saying what was sent, received and expected', () => {
    expect(() => expectThat(true, 's', 'r', 'e')).not.toThrow()
    expect(() => expectThat(false, 's', 'r', 'e')).toThrow(
      new ConformanceFailure('s', 'r', 'e').message,
    )
    expect(new CaseSkipped('no /proc').name).toBe('CaseSkipped')
  })
})

import { describe, expect, test } from 'vitest'
import { type ParsedPart, ResponseParser } from '../src/node/response-parser.ts'

/** Feeds `text` one byte at a time: every state must survive a split anywhere. */
function byteByByte(parser: ResponseParser, text: string): ParsedPart[] {
  const out: ParsedPart[] = []
  for (const byte of Buffer.from(text, 'latin1')) out.push(...parser.feed(Buffer.from([byte])))
  return out
}

function bodyOf(parts: ParsedPart[]): string {
  return parts
    .map((p) => (p.kind === 'body' ? Buffer.from(p.body).toString('latin1') : ''))
    .join('')
}

describe('ResponseParser', () => {
  test('chunked body with trailers, split at every byte', () => {
    const parser = new ResponseParser('GET')
    const parts = byteByByte(
      parser,
      'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5\r\nhello\r\nA;ext=1\r\n0123456789\r\n0\r\nX-Sum: abc\r\n\r\n',
    )
    expect(parts[0]).toEqual({
      kind: 'head',
      status: 200,
      headers: [
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['Transfer-Encoding', 'chunked'],
      ],
    })
    expect(bodyOf(parts)).toBe('hello0123456789')
    expect(parts.at(-1)).toEqual({ kind: 'end', trailers: [['X-Sum', 'abc']] })
    expect(parser.done).toBe(true)
  })

  test('content-length body ends at its length; interim 1xx heads are skipped', () => {
    const parser = new ResponseParser('GET')
    const parts = parser.feed(
      Buffer.from(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\nabc',
      ),
    )
    expect(parts.map((p) => p.kind)).toEqual(['head', 'body', 'end'])
    expect(parts[0]).toMatchObject({ status: 201 })
  })

  test('HEAD, 204 and 304 end with the head', () => {
    for (const [method, status] of [
      ['HEAD', 200],
      ['GET', 204],
      ['GET', 304],
    ] as const) {
      const parts = new ResponseParser(method).feed(
        Buffer.from(`HTTP/1.1 ${status} X\r\ncontent-length: 10\r\n\r\n`),
      )
      expect(parts.map((p) => p.kind)).toEqual(['head', 'end'])
    }
  })

  test('an unframed body ends on finish()', () => {
    const parser = new ResponseParser('GET')
    expect(parser.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\nraw')).map((p) => p.kind)).toEqual([
      'head',
      'body',
    ])
    expect(parser.finish()).toEqual({ kind: 'end', trailers: [] })
    expect(parser.finish()).toBeNull()
  })

  test('malformed bytes are a ResponseParseError', () => {
    expect(() => new ResponseParser('GET').feed(Buffer.from('HTTP/2 200\r\n\r\n'))).toThrow(
      expect.objectContaining({ code: 'TSGI_ADAPTERS_ERR_RESPONSE_PARSE' }),
    )
    const chunked = new ResponseParser('GET')
    expect(() =>
      chunked.feed(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n')),
    ).toThrow(/bad chunk size/)
    const done = new ResponseParser('GET')
    done.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'))
    expect(() => done.feed(Buffer.from('x'))).toThrow(/after the response ended/)
  })
})

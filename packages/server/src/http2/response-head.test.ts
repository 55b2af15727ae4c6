import type { OutgoingHttpHeaders } from 'node:http2'
import { describe, expect, test } from 'vitest'
import { h2ResponseList, respondHead } from './response-head.ts'

describe('respondHead', () => {
  test('a raw list in order, then objects for good once a node refuses lists', () => {
    const calls: Array<OutgoingHttpHeaders | readonly string[]> = []
    let takesLists = true
    const stream = {
      respond(headers?: OutgoingHttpHeaders | readonly string[]) {
        if (Array.isArray(headers) && !takesLists)
          throw Object.assign(new TypeError('headers must be an Object'), {
            code: 'ERR_INVALID_ARG_TYPE',
          })
        calls.push(headers!)
      },
    }
    const flat = ['X-Order', '1', 'connection', 'close', 'set-cookie', 'a=1', 'x-order', '2']
    respondHead(stream, [':status', '200', ...flat], {})
    // Names as the app wrote them (node lowercases a raw list's names itself).
    expect(calls[0]).toEqual([
      ':status',
      '200',
      'X-Order',
      '1',
      'set-cookie',
      'a=1',
      'x-order',
      '2',
    ])
    // An older node (before raw lists): the same head as an object, and no list tried again.
    takesLists = false
    respondHead(stream, [':status', '404', ...flat], {})
    expect(calls[1]).toEqual({ ':status': 404, 'x-order': ['1', '2'], 'set-cookie': 'a=1' })
    respondHead(stream, [':status', '200', ...flat], {})
    expect(calls).toHaveLength(3)
    expect(Array.isArray(calls[2])).toBe(false)
  })

  test("node's own refusals (a repeated single-value field) are thrown as they are", () => {
    const refusal = Object.assign(new TypeError('single value'), {
      code: 'ERR_HTTP2_HEADER_SINGLE_VALUE',
    })
    const stream = {
      respond() {
        throw refusal
      },
    }
    expect(() =>
      respondHead(stream, [':status', '200', 'content-type', 'a', 'content-type', 'b'], {}),
    ).toThrow(refusal)
    expect(h2ResponseList([':status', '204', 'Keep-Alive', 'x'])).toEqual([':status', '204'])
  })

  test('every connection-specific field is dropped, in any case; other names are kept as written', () => {
    const list = [':status', '200', 'X-A', '1']
    for (const name of [
      'Connection',
      'PROXY-CONNECTION',
      'Keep-Alive',
      'Transfer-Encoding',
      'UpGrade',
    ])
      list.push(name, 'v', 'x-after', name)
    expect(h2ResponseList(list)).toEqual([
      ':status',
      '200',
      'X-A',
      '1',
      ...['Connection', 'PROXY-CONNECTION', 'Keep-Alive', 'Transfer-Encoding', 'UpGrade'].flatMap(
        (name) => ['x-after', name],
      ),
    ])
  })
})

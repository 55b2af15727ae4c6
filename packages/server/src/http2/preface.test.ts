import { describe, expect, test } from 'vitest'
import { classifyPreface, H2_PREFACE } from './preface.ts'

describe('classifyPreface', () => {
  test('the whole preface is h2, with or without frames after it', () => {
    expect(classifyPreface(H2_PREFACE)).toBe('h2')
    expect(classifyPreface(Buffer.concat([H2_PREFACE, Buffer.from([0, 0, 0, 4])]))).toBe('h2')
  })

  test('every proper prefix needs more bytes, the empty one too', () => {
    for (let n = 0; n < H2_PREFACE.byteLength; n++)
      expect(classifyPreface(H2_PREFACE.subarray(0, n))).toBeNull()
  })

  test('one differing byte anywhere makes it HTTP/1.1, as soon as it is seen', () => {
    expect(classifyPreface(Buffer.from('G'))).toBe('http1')
    expect(classifyPreface(Buffer.from('PO'))).toBe('http1')
    // The HTTP/1.1-looking `PRI * HTTP/1.1` differs only at byte 11.
    expect(classifyPreface(Buffer.from('PRI * HTTP/1.1\r\n'))).toBe('http1')
    const last = Buffer.from(H2_PREFACE)
    last[23] = 0x41
    expect(classifyPreface(last)).toBe('http1')
  })
})

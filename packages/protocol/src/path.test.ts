import { describe, expect, test } from 'vitest'
import { decodePath } from './path.ts'

describe('decodePath', () => {
  test('returns plain ASCII paths unchanged', () => {
    expect(decodePath('/a/b-c_d.e~f')).toBe('/a/b-c_d.e~f')
  })
  test('percent-decodes, %2F included', () => {
    expect(decodePath('/a%20b/c%2Fd')).toBe('/a b/c/d')
  })
  test('decodes UTF-8 sequences', () => {
    expect(decodePath('/caf%C3%A9')).toBe('/café')
    expect(decodePath('/caf%c3%a9')).toBe('/café')
  })
  test('replaces invalid UTF-8 with U+FFFD instead of failing', () => {
    expect(decodePath('/%80')).toBe('/\uFFFD')
    expect(decodePath('/%C3')).toBe('/\uFFFD')
  })
  test('keeps malformed escapes literally', () => {
    expect(decodePath('/100%')).toBe('/100%')
    expect(decodePath('/%zz')).toBe('/%zz')
    expect(decodePath('/%4')).toBe('/%4')
  })
  test('reads characters above U+007F as latin1 bytes', () => {
    expect(decodePath('/caf\u00c3\u00a9')).toBe('/café')
  })
})

/**
 * Request-target path decoding, as every server must do it for `scope.path`.
 *
 * @module
 */

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  const lower = code | 0x20
  return lower >= 97 && lower <= 102 ? lower - 87 : -1
}

/**
 * Decodes a raw request path for `scope.path`: percent-escapes become bytes (`%2F` becomes `/`),
 * the bytes are decoded as UTF-8, and invalid sequences become U+FFFD instead of failing.
 * Characters above U+007F in `rawPath` are taken as the latin1 bytes they arrived as. A
 * malformed escape (`%zz`, a trailing `%`) is kept literally.
 */
export function decodePath(rawPath: string): string {
  let plain = true
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i)
    if (c === 37 || c > 127) {
      plain = false
      break
    }
  }
  if (plain) return rawPath
  const bytes = new Uint8Array(rawPath.length)
  let n = 0
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i)
    if (c === 37 && i + 2 < rawPath.length) {
      const hi = hexValue(rawPath.charCodeAt(i + 1))
      const lo = hexValue(rawPath.charCodeAt(i + 2))
      if (hi >= 0 && lo >= 0) {
        bytes[n++] = (hi << 4) | lo
        i += 2
        continue
      }
    }
    bytes[n++] = c & 0xff
  }
  return utf8.decode(bytes.subarray(0, n))
}

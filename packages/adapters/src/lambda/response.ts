/**
 * The result object of a buffered invocation, in the shape the event's integration expects,
 * and the header handling shared with streamed responses.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { getHeader, type HeaderList, statusText } from '@tsgi/protocol'
import type { BinaryPredicate } from './binary.ts'
import type { LambdaRequest } from './events.ts'
import type { LambdaResult } from './types.ts'

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
])
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A latin1 header value as a JS string for the JSON result: the integration writes it out as
 * UTF-8, so octets that form UTF-8 are decoded (the inverse of the request side); others stay.
 */
function unlatin1(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) {
      try {
        return utf8.decode(Buffer.from(value, 'latin1'))
      } catch {
        return value
      }
    }
  }
  return value
}

/**
 * The app's response headers as the integration gets them: names lowercased, hop-by-hop fields
 * (and those named in `Connection`) dropped, since framing is the integration's.
 */
export function outgoingHeaders(headers: HeaderList): HeaderList {
  const named = new Set<string>()
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue
    for (const token of value.split(',')) named.add(token.trim().toLowerCase())
  }
  const out: HeaderList = []
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue
    out.push([lower, unlatin1(value)])
  }
  return out
}

/** Headers grouped by name, in first-seen order. */
function grouped(headers: HeaderList): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (const [name, value] of headers) {
    const values = map.get(name)
    if (values === undefined) map.set(name, [value])
    else values.push(value)
  }
  return map
}

/** `headers` for a single-value map: duplicates joined with `, ` (RFC 9110 §5.3), cookies apart. */
export function singleValueHeaders(
  headers: HeaderList,
  cookies: 'separate' | 'last',
): { headers: Record<string, string>; cookies: string[] } {
  const out: Record<string, string> = {}
  const jar: string[] = []
  for (const [name, values] of grouped(headers)) {
    if (name === 'set-cookie') {
      // Set-Cookie cannot be joined (its dates hold commas).
      if (cookies === 'separate') jar.push(...values)
      else out[name] = values[values.length - 1]!
    } else out[name] = values.join(', ')
  }
  return { headers: out, cookies: jar }
}

/** The body as the JSON result carries it: text when it is text, else base64. */
export function encodeBody(
  body: Uint8Array,
  headers: HeaderList,
  isBinary: BinaryPredicate,
): { body: string; isBase64Encoded: boolean } {
  if (body.byteLength === 0) return { body: '', isBase64Encoded: false }
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (!isBinary(headers, getHeader(headers, 'content-type'))) {
    try {
      return { body: utf8.decode(body), isBase64Encoded: false }
    } catch {
      // Not UTF-8 (a latin1 text/plain, or bytes without a type): only base64 keeps them intact.
    }
  }
  return { body: bytes.toString('base64'), isBase64Encoded: true }
}

/** A buffered response in the shape `request`'s integration expects. */
export function buildResult(
  request: LambdaRequest,
  status: number,
  appHeaders: HeaderList,
  body: Uint8Array,
  isBinary: BinaryPredicate,
): LambdaResult {
  const headers = outgoingHeaders(appHeaders)
  const encoded = encodeBody(body, headers, isBinary)
  switch (request.source) {
    case 'apigw-v1':
      return {
        statusCode: status,
        multiValueHeaders: Object.fromEntries(grouped(headers)),
        ...encoded,
      }
    case 'alb': {
      const statusDescription = `${status} ${statusText(status)}`.trim()
      if (request.multiValue)
        return {
          statusCode: status,
          statusDescription,
          multiValueHeaders: Object.fromEntries(grouped(headers)),
          ...encoded,
        }
      // Without multi-value headers an ALB takes one value per name: the last Set-Cookie wins.
      return {
        statusCode: status,
        statusDescription,
        headers: singleValueHeaders(headers, 'last').headers,
        ...encoded,
      }
    }
    default: {
      const single = singleValueHeaders(headers, 'separate')
      return { statusCode: status, headers: single.headers, cookies: single.cookies, ...encoded }
    }
  }
}

/**
 * What node:http's parser lets through but HTTP/1.1 forbids, checked once per request before
 * the application runs. Each rule answers with a fixed status and a stable reason (the body of
 * the response and the log line say it); the connection then closes. Documented in the
 * README ("Hostile input").
 *
 * Cheap on the normal path: one pass over the raw headers, no allocation unless a rule fails.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { targetAuthority, validHost } from '../scope/host.ts'

/** Why a request is refused before the application sees it. */
export interface Refusal {
  /** The status answered (400, 414 or 501). */
  readonly status: number
  /** Why, as the response body (`Reason Phrase: reason`) and the log line say it. */
  readonly reason: string
}

const refusal = (status: number, reason: string): Refusal => Object.freeze({ status, reason })

/** The fixed refusals (their reasons are part of the documented behaviour). */
export const REFUSALS = Object.freeze({
  noHost: refusal(400, 'missing Host header'),
  twoHosts: refusal(400, 'more than one Host header'),
  http10TransferEncoding: refusal(400, 'Transfer-Encoding in an HTTP/1.0 request'),
  chunkedNotFinal: refusal(400, 'Transfer-Encoding does not end in chunked'),
  chunkedTwice: refusal(400, 'chunked applied more than once'),
  badTarget: refusal(400, 'invalid authority in the request target'),
  asterisk: refusal(400, 'the asterisk-form target is only for OPTIONS'),
  connect: refusal(501, 'CONNECT is not supported'),
})

/** The 414 refusal for a target over `max` bytes. */
export function tooLong(max: number): Refusal {
  return refusal(414, `request target longer than ${max} bytes`)
}

/** Printable ASCII only, at most 64 characters: a client's value quoted in a reason. */
function quote(value: string): string {
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value
  return JSON.stringify(shown.replace(/[^\x20-\x7e…]/g, '?'))
}

/**
 * RFC 9112 §6.1 and §6.3: chunked must be the final coding and appear once (else 400, the
 * framing cannot be trusted); any other coding is one this server does not implement (501).
 */
function transferEncodingRefusal(values: string): Refusal | null {
  if (values.length === 7 && values.toLowerCase() === 'chunked') return null
  const codings = values.split(',')
  let last = ''
  let chunked = 0
  let other = ''
  for (const raw of codings) {
    const semi = raw.indexOf(';')
    const coding = (semi === -1 ? raw : raw.slice(0, semi)).trim().toLowerCase()
    if (coding === '') continue // empty list elements are allowed (RFC 9110 §5.6.1)
    last = coding
    if (coding === 'chunked') chunked++
    else if (other === '') other = coding
  }
  if (last !== 'chunked') return REFUSALS.chunkedNotFinal
  if (chunked > 1) return REFUSALS.chunkedTwice
  if (other !== '') return refusal(501, `unsupported transfer coding: ${quote(other)}`)
  return null
}

/**
 * Why `req` must be refused, or null. `maxUrlLength` bounds the request target (414).
 * Checked: HTTP version, target length, CONNECT, exactly one valid Host on HTTP/1.1 and at
 * most one on 1.0 (RFC 9112 §3.2), the asterisk form, the authority of an absolute-form target
 * (§3.2.2), Transfer-Encoding (§6.1).
 */
export function requestRefusal(req: IncomingMessage, maxUrlLength: number): Refusal | null {
  if (req.httpVersionMajor !== 1) return refusal(400, `unsupported HTTP version ${req.httpVersion}`)
  const url = req.url ?? '/'
  if (url.length > maxUrlLength) return tooLong(maxUrlLength)
  const method = req.method
  if (method === 'CONNECT') return REFUSALS.connect
  const raw = req.rawHeaders
  let host: string | undefined
  let te: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 4) {
      if (name.toLowerCase() !== 'host') continue
      if (host !== undefined) return REFUSALS.twoHosts
      host = raw[i + 1]!
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      te = te === undefined ? raw[i + 1]! : `${te}, ${raw[i + 1]!}`
    }
  }
  const origin = url.charCodeAt(0) === 47
  if (host === undefined) {
    if (req.httpVersionMinor !== 0) return REFUSALS.noHost
  } else if (!validHost(host, true)) return refusal(400, `invalid Host header: ${quote(host)}`)
  if (!origin) {
    if (url === '*') {
      if (method !== 'OPTIONS') return REFUSALS.asterisk
    } else if (targetAuthority(url) === null) return REFUSALS.badTarget
  }
  if (te !== undefined) {
    if (req.httpVersionMinor === 0) return REFUSALS.http10TransferEncoding
    return transferEncodingRefusal(te)
  }
  return null
}

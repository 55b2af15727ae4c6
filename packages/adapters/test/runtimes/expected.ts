/**
 * The conformance cases each runtime × host combination fails, with the reason: every entry is
 * a limit of the runtime (or of what a `Request`/`Response` can say), never a bug of ours.
 * `test/runtime-conformance.test.ts` fails on a failure not listed here AND on a listed case
 * that passes, so this table stays true; the README's "Runtimes" section is made from it.
 */

/** One expected failure. `timing`: the outcome depends on timing, so a pass is accepted too. */
export interface ExpectedFailure {
  reason: string
  timing?: true
}

/** The combinations: `toFetch` through the host scripts, and the reference server itself. */
export type Combination = 'bun × toFetch' | 'deno × toFetch' | 'bun × server' | 'deno × server'

const NO_VERSION = 'a `Request` does not say which HTTP version carried it: `httpVersion` is "1.1"'
const HEADERS_JOINED = (rt: string) =>
  `${rt}'s \`Headers\` joins repeated request fields into one (\`x-a: 1, 3\`)`
const RESPONSE_HEADERS =
  'a `Response`’s `Headers` keeps neither order nor repeated fields (only `set-cookie` stays separate)'
const AUTO_CONTINUE = (rt: string) =>
  `${rt} answers \`Expect: 100-continue\` itself, before the app decides to read`
const DENO_KEEPS_OPEN =
  'Deno keeps the connection open after a `Response` with `connection: close` (the answer itself is right)'
// Seen with a plain `Bun.serve` too: pipelined requests behind a synchronous answer are served.
const BUN_PIPELINING =
  'Bun.serve closes a connection, answering nothing, when requests are pipelined behind one whose handler is still awaiting'
const DENO_CHUNKED_SILENT =
  'Deno closes the connection on a malformed chunked body without answering 400'

/** Expected failures per combination (case id → why). */
export const expectedFailures: Record<Combination, Record<string, ExpectedFailure>> = {
  'bun × toFetch': {
    'scope.http-1.0': { reason: NO_VERSION },
    'scope.headers-order-duplicates': { reason: HEADERS_JOINED('Bun') },
    'body.no-100-without-receive': { reason: AUTO_CONTINUE('Bun') },
    'response.chunked-stream': {
      reason:
        'Bun reads what a body stream has queued before it writes the head: a stream that already ended goes out with a Content-Length, not chunked',
      timing: true,
    },
    'response.headers-order': { reason: RESPONSE_HEADERS },
    'request.absolute-form-host': {
      reason:
        'Bun builds `request.url` from the Host header: an absolute-form target’s authority is lost',
    },
    'malformed.http-0.9': { reason: 'Bun answers an HTTP/0.9 request with 505, not 400' },
    'malformed.target-too-long': {
      reason: 'Bun answers a 64 KiB request-target with 431, not 414',
    },
    'framing.unknown-coding': {
      reason:
        'Bun refuses an unknown transfer coding itself with 400, before toFetch could answer 501',
    },
    'keepalive.pipelining-order': { reason: BUN_PIPELINING },
    'keepalive.pipelining-bounded': { reason: `${BUN_PIPELINING} (its memory stays bounded)` },
  },
  'deno × toFetch': {
    'scope.http-1.0': { reason: NO_VERSION },
    'scope.headers-order-duplicates': { reason: HEADERS_JOINED('Deno') },
    'body.no-100-without-receive': { reason: AUTO_CONTINUE('Deno') },
    'response.headers-order': { reason: RESPONSE_HEADERS },
    'errors.throw-before-start': { reason: DENO_KEEPS_OPEN },
    'errors.short-content-length': { reason: DENO_KEEPS_OPEN },
    'request.connect-refused': { reason: DENO_KEEPS_OPEN },
    'framing.unknown-coding': { reason: DENO_KEEPS_OPEN },
    'malformed.missing-host': {
      reason:
        'Deno passes an HTTP/1.1 request without Host on (its URL gets the listening address); a `Request` cannot tell it from HTTP/2, which has no Host',
    },
    'malformed.header-too-large': {
      reason: 'Deno answers a 64 KiB header block with 400, not 431',
    },
    'malformed.target-too-long': {
      reason: 'Deno answers a 64 KiB request-target with 400, not 414',
    },
    'framing.chunk-size-plus': { reason: DENO_CHUNKED_SILENT },
    'framing.chunk-size-0x': { reason: DENO_CHUNKED_SILENT },
    'framing.chunk-size-overflow': { reason: DENO_CHUNKED_SILENT },
    'framing.chunk-line-lf': { reason: DENO_CHUNKED_SILENT },
    'framing.chunk-missing-crlf': { reason: DENO_CHUNKED_SILENT },
    'framing.chunk-extension-too-long': {
      reason:
        'Deno fails the body read of a 20 KiB chunk extension and answers 500 itself, not 400 or 413',
    },
  },
  'bun × server': {
    'response.headers-order': {
      reason:
        'Bun’s node:http writes repeated response fields grouped by name, not in the order set',
    },
  },
  'deno × server': {
    'framing.chunk-extension-too-long': {
      reason: 'Deno’s node:http accepts a 20 KiB chunk extension instead of refusing it',
    },
  },
}

const NO_TRAILERS = ['response.trailers', 'response.trailers-without-te']

/** Cases skipped because the combination does not offer the feature (never a failure). */
export const expectedSkips: Record<Combination, string[]> = {
  // A `Response` cannot carry trailers, so toFetch never announces them.
  'bun × toFetch': NO_TRAILERS,
  'deno × toFetch': NO_TRAILERS,
  'bun × server': [],
  'deno × server': [],
}

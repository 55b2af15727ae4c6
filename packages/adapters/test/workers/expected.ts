/**
 * The conformance cases `toFetch` fails on Workers (workerd 1.20261117.1, compatibility date
 * 2026-11-17), with the reason: each is a limit of workerd or of what a Worker is told, never
 * a bug of ours. `test/runtime-workers.test.ts` fails on a failure not listed here AND on a
 * listed case that passes, so this table stays true; the README's Workers row is made from it.
 */

/** One expected failure. `timing`: the outcome depends on the machine, so a pass is accepted. */
export interface ExpectedFailure {
  reason: string
  timing?: true
  /**
   * Not run: the case cannot observe what it checks on Workers, so it could only wait out its
   * own 30 s deadline. The test still checks that the suite has it.
   */
  notRun?: true
}

/** The workerd release the table was recorded with (`.ci/run` installs it). */
export const WORKERD_VERSION = '1.20261117.1'

const NO_FILES =
  'a Worker reaches no host file system, so the case cannot see lifespan startup begin (the app writes a file)'
const KEEPS_OPEN =
  'workerd drops a `Response`’s `connection: close` and keeps the connection open (the answer itself is right)'
const NO_HOST_10 = 'workerd answers an HTTP/1.0 request without Host with 400 itself'
const NO_PEER =
  'a Worker is not told the peer’s address: the client is what `CF-Connecting-IP` says (port 0), which Cloudflare’s edge sets and workerd does not, so it is null here'
const CHUNKED_LATE =
  'workerd finds a malformed chunked body only as the app reads it; the read fails as when a client leaves, so toFetch answers a bare 500 (workerd closes the connection), not 400'
const STREAM_LENGTH =
  'workerd sends a `ReadableStream` body chunked and drops its Content-Length (only a `FixedLengthStream` keeps one): a declared length sent in parts goes out chunked'

/** Expected failures (case id → why). */
export const expectedFailures: Record<string, ExpectedFailure> = {
  'lifespan.startup-before-serving': {
    reason: `a Worker has no startup: toFetch runs lifespan startup at the first request, and workerd accepts connections at once; also ${NO_FILES}`,
    notRun: true,
  },
  'lifespan.startup-failure-exits': {
    reason: `a Worker cannot exit: after a failed startup every request fails (workerd answers 500) and workerd keeps serving; also ${NO_FILES}`,
    notRun: true,
  },
  'lifespan.shutdown-after-drain': {
    reason:
      'a Worker has no shutdown event: `toFetch().close()` never runs, so lifespan shutdown never happens (workerd drains and exits 0 without it)',
  },
  'shutdown.stops-accepting': {
    reason:
      'on SIGTERM workerd drains the requests in flight but keeps its listening socket: a new connection is accepted and never answered',
  },
  'scope.http-1.0': {
    reason: `${NO_HOST_10} (and a \`Request\` does not say which HTTP version carried it)`,
  },
  'response.http-1.0': { reason: NO_HOST_10 },
  'scope.headers-order-duplicates': {
    reason: 'workerd’s `Headers` joins repeated request fields into one (`x-a: 1, 3`)',
  },
  'scope.headers-latin1': {
    reason: 'workerd decodes request header bytes as UTF-8: a Latin-1 byte becomes U+FFFD',
  },
  'scope.client-server': { reason: NO_PEER },
  'scope.client-peer': { reason: NO_PEER },
  'response.back-to-back-sends': { reason: STREAM_LENGTH },
  'response.length-in-parts': { reason: STREAM_LENGTH },
  'response.headers-order': {
    reason:
      'a `Response`’s `Headers` keeps neither order nor repeated fields (only `set-cookie` stays separate)',
  },
  'errors.throw-before-start': { reason: KEEPS_OPEN },
  'errors.short-content-length': { reason: KEEPS_OPEN },
  'framing.unknown-coding': { reason: KEEPS_OPEN },
  'disconnect.send-rejects': {
    reason:
      'workerd cancels a request whose handler waits on nothing it counts as I/O (the app awaiting `http.disconnect` before answering) and answers 500 itself: the app never sees the disconnect',
  },
  'request.absolute-form-host': {
    reason:
      'workerd builds `request.url` from the Host header: an absolute-form target’s authority is lost',
  },
  'request.connect-refused': {
    reason:
      'workerd gives CONNECT to a worker’s `connect()` handler, never to `fetch`: without one it answers 500 itself',
  },
  'malformed.cl-te-conflict': {
    reason:
      'workerd drops Content-Length when Transfer-Encoding is present and serves the request (then closes the connection, so nothing is smuggled): toFetch never sees the conflict',
  },
  'malformed.header-too-large': {
    reason: 'workerd accepts a 64 KiB header block and serves it, not 431',
  },
  'keepalive.pipelining-bounded': {
    reason:
      'workerd grows by 220–270 MiB under 300 000 pipelined requests it reads 3.8 MiB of, around the case’s 256 MiB bound: it passes on a server earlier cases warmed (as the suite runs it), fails on a fresh one',
    timing: true,
  },
  'framing.chunk-size-plus': { reason: CHUNKED_LATE },
  'framing.chunk-size-0x': { reason: CHUNKED_LATE },
  'framing.chunk-size-overflow': { reason: CHUNKED_LATE },
  'framing.chunk-line-lf': { reason: CHUNKED_LATE },
  'framing.chunk-missing-crlf': { reason: CHUNKED_LATE },
  'framing.chunk-extension-too-long': { reason: CHUNKED_LATE },
}

/**
 * Cases skipped because toFetch does not offer the feature on Workers (never a failure):
 * trailers (a `Response` has none) and pathsend (a Worker has no files to send).
 */
export const expectedSkips = [
  'response.trailers',
  'response.trailers-without-te',
  'response.pathsend',
  'response.pathsend-head',
]

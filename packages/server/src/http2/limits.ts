/**
 * What an HTTP/2 session may cost the server, as one options object with defaults, and how
 * each limit maps onto node:http2 (whose nghttp2 enforces most of them before any stream
 * reaches JavaScript). What a peer sees when it crosses each one was checked over raw frames
 * (test/http2-limits.test.ts); it is written beside each field.
 *
 * @module
 */
import type { SecureServerOptions, ServerOptions, Settings } from 'node:http2'

/** The limits of one HTTP/2 session, all enforced per session. */
export interface Http2Limits {
  /**
   * SETTINGS_MAX_CONCURRENT_STREAMS the server advertises. A peer opening one stream more
   * after it acknowledged the setting gets GOAWAY PROTOCOL_ERROR (nghttp2's choice among the
   * two RFC 9113 §5.1.2 allows); before acknowledging, that stream alone is refused with
   * RST_STREAM REFUSED_STREAM. node's default is unlimited (2^32-1); 100 is RFC 9113
   * §6.5.2's suggested minimum and hypercorn's default.
   */
  readonly maxConcurrentStreams: number
  /**
   * SETTINGS_MAX_HEADER_LIST_SIZE (bytes of names + values + 32 per field, RFC 9113 §6.5.2),
   * the h2 counterpart of `maxHeaderSize`. A larger request head never reaches the app: node
   * resets that stream with RST_STREAM ENHANCE_YOUR_CALM, no 431 (the session lives on). It
   * binds once the peer has acknowledged the SETTINGS; until then node's default (64 KiB).
   */
  readonly maxHeaderListSize: number
  /**
   * Fields in one header block, pseudo-headers included (node's `maxHeaderListPairs`, minimum
   * 4). More: RST_STREAM ENHANCE_YOUR_CALM on that stream.
   */
  readonly maxHeaderListPairs: number
  /** SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a stream may send before the app reads. */
  readonly initialWindowSize: number
  /**
   * Incoming RST_STREAM frames allowed in a burst, then {@link streamResetRate} per second:
   * the bound on the rapid-reset pattern (CVE-2023-44487; nghttp2 ≥ 1.57, exposed by node as
   * `streamResetBurst`/`streamResetRate`). Past it the session is ended with GOAWAY
   * (nghttp2's code: INTERNAL_ERROR) and its socket closed; other sessions are untouched.
   * Both default to nghttp2's own values (1000, 33).
   */
  readonly streamResetBurst: number
  /** See {@link streamResetBurst}. */
  readonly streamResetRate: number
  /**
   * Invalid frames (of any kind nghttp2 rejects) a session may send before it is destroyed
   * (node's `maxSessionInvalidFrames`, default 1000).
   */
  readonly maxSessionInvalidFrames: number
  /**
   * Streams the server may refuse (REFUSED_STREAM) in a session before it is destroyed
   * (node's `maxSessionRejectedStreams`, default 100): a peer ignoring the stream limit.
   */
  readonly maxSessionRejectedStreams: number
  /** Unacknowledged PINGs the server sends at most (node's `maxOutstandingPings`). */
  readonly maxOutstandingPings: number
  /** Settings entries one SETTINGS frame may carry (node's `maxSettings`). */
  readonly maxSettings: number
  /**
   * Megabytes of memory a session may hold (node's `maxSessionMemory`): past it new streams
   * are refused (RST_STREAM ENHANCE_YOUR_CALM) until it shrinks.
   */
  readonly maxSessionMemoryMB: number
  /**
   * Milliseconds a session with no open stream stays open; then GOAWAY NO_ERROR and the
   * socket closes once the peer has seen it. 0 disables it. (The server's keep-alive timeout.)
   */
  readonly idleTimeoutMs: number
  /**
   * TLS only: milliseconds a connection whose ALPN chose neither `h2` nor `http/1.1` is kept
   * before it is destroyed (node's `unknownProtocolTimeout`).
   */
  readonly unknownProtocolTimeoutMs: number
}

/**
 * The defaults. CONTINUATION floods (CVE-2024-27983, CVE-2024-28182) need no setting here:
 * nghttp2 ≥ 1.61 ends a session whose header block runs past 8 CONTINUATION frames, and the
 * header list size bounds what one block may hold before that.
 */
export const HTTP2_LIMIT_DEFAULTS: Http2Limits = Object.freeze({
  maxConcurrentStreams: 100,
  maxHeaderListSize: 16 * 1024,
  maxHeaderListPairs: 128,
  initialWindowSize: 65_535,
  streamResetBurst: 1000,
  streamResetRate: 33,
  maxSessionInvalidFrames: 1000,
  maxSessionRejectedStreams: 100,
  maxOutstandingPings: 10,
  maxSettings: 32,
  maxSessionMemoryMB: 10,
  idleTimeoutMs: 65_000,
  unknownProtocolTimeoutMs: 10_000,
})

/** The limits with `overrides` applied over the defaults. */
export function http2Limits(overrides: Partial<Http2Limits> = {}): Http2Limits {
  return Object.freeze({ ...HTTP2_LIMIT_DEFAULTS, ...overrides })
}

/** The SETTINGS frame the server sends first (RFC 9113 §6.5.2). */
export function http2Settings(limits: Http2Limits): Settings {
  return {
    maxConcurrentStreams: limits.maxConcurrentStreams,
    maxHeaderListSize: limits.maxHeaderListSize,
    initialWindowSize: limits.initialWindowSize,
    // Server push is the server's to send; advertising it off says this server never will.
    enablePush: false,
    // RFC 8441 (WebSocket over h2) is not offered: WebSockets stay on HTTP/1.1.
    enableConnectProtocol: false,
  }
}

/** The node:http2 options of `http2.createServer()` that carry `limits`. */
export function http2ServerOptions(limits: Http2Limits): ServerOptions {
  return {
    settings: http2Settings(limits),
    maxHeaderListPairs: limits.maxHeaderListPairs,
    maxSessionInvalidFrames: limits.maxSessionInvalidFrames,
    maxSessionRejectedStreams: limits.maxSessionRejectedStreams,
    maxOutstandingPings: limits.maxOutstandingPings,
    maxSettings: limits.maxSettings,
    maxSessionMemory: limits.maxSessionMemoryMB,
    streamResetBurst: limits.streamResetBurst,
    streamResetRate: limits.streamResetRate,
  }
}

/** The same for `http2.createSecureServer()`, plus the ALPN and HTTP/1.1 fallback. */
export function http2SecureServerOptions(limits: Http2Limits): SecureServerOptions {
  return {
    ...http2ServerOptions(limits),
    allowHTTP1: true,
    ALPNProtocols: ['h2', 'http/1.1'],
    unknownProtocolTimeout: limits.unknownProtocolTimeoutMs,
  }
}

/**
 * Faults injected around the application: its scope, receive or send wrapped, so that the
 * server looks as if it broke one rule. Test code for fault-server.ts.
 */
import {
  type Application,
  ContentLengthError,
  type HTTPScope,
  isClientDisconnected,
  type Receive,
  type Send,
} from '@tsgi/protocol'

type Wrap = (scope: HTTPScope, receive: Receive, send: Send) => [HTTPScope, Receive, Send]

const utf8 = new TextEncoder()

/** The application wrapped by each app-level fault (by name). */
export function appFaults(
  inner: Application,
  state: Record<string, unknown>,
): Record<string, Application> {
  const http =
    (wrap: Wrap): Application =>
    async (scope, receive, send) => {
      if (scope.type !== 'http') return inner(scope, receive, send)
      return inner(...wrap(scope, receive, send))
    }
  return {
    none: inner,
    'path-not-decoded': http((s, r, w) => [{ ...s, path: s.rawPath }, r, w]),
    'query-decoded': http((s, r, w) => [
      { ...s, queryString: decodeURIComponent(s.queryString) },
      r,
      w,
    ]),
    'headers-merged': http((s, r, w) => {
      const merged = new Map<string, string>()
      for (const [n, v] of s.headers) merged.set(n, merged.has(n) ? `${merged.get(n)}, ${v}` : v)
      return [{ ...s, headers: [...merged] }, r, w]
    }),
    'headers-not-lowercased': http((s, r, w) => [
      { ...s, headers: s.headers.map(([n, v]) => [n.toUpperCase(), v]) },
      r,
      w,
    ]),
    'state-not-copied': http((s, r, w) => [{ ...s, state }, r, w]),
    'no-500-on-early-throw': http((s, r, w) => [s, r, (e) => w(e)]),
    'no-backpressure': http((s, r, w) => [
      s,
      r,
      (e) => {
        const p = w(e)
        p.catch(() => {})
        return e.type === 'http.response.body' && e.moreBody === true ? Promise.resolve() : p
      },
    ]),
    'send-resolves-after-disconnect': http((s, r, w) => [
      s,
      r,
      (e) =>
        w(e).catch((error: unknown) => {
          if (!isClientDisconnected(error)) throw error
        }),
    ]),
    'receive-no-disconnect': http((s, r, w) => [
      s,
      async () => {
        const event = await r()
        return event.type === 'http.disconnect' ? new Promise(() => {}) : event
      },
      w,
    ]),
    // A made-up client address in place of the peer's.
    'client-not-peer': http((s, r, w) => [
      { ...s, client: { host: '192.0.2.1', port: 4242 } },
      r,
      w,
    ]),
    // The part of a too-long body event that still fits is written before the rejection.
    'over-length-prefix': http((s, r, w) => {
      let declared = -1
      let sent = 0
      const send: Send = async (e) => {
        if (e.type === 'http.response.start') {
          const cl = e.headers?.find(([n]) => n.toLowerCase() === 'content-length')
          if (cl) declared = Number(cl[1])
        } else if (e.type === 'http.response.body' && declared >= 0 && e.body) {
          if (sent + e.body.byteLength > declared) {
            await w({ ...e, body: e.body.subarray(0, declared - sent), moreBody: true })
            throw new ContentLengthError(declared, sent + e.body.byteLength)
          }
          sent += e.body.byteLength
        }
        return w(e)
      }
      return [s, r, send]
    }),
    // Non-WebSocket upgrades refused with 400, as if the server handled none but WebSocket.
    'upgrade-refused': async (scope, receive, send) => {
      const upgrade = scope.type === 'http' && scope.headers.find(([n]) => n === 'upgrade')
      if (!upgrade) return inner(scope, receive, send)
      const body = utf8.encode(`unsupported upgrade: ${upgrade[1]}\n`)
      await send({
        type: 'http.response.start',
        status: 400,
        headers: [['content-length', String(body.byteLength)]],
      })
      await send({ type: 'http.response.body', body })
    },
  }
}

/** Answers 200 with an empty body where the server would send its 500 for an early throw. */
export function withEarly200(app: Application): Application {
  return async (scope, receive, send) => {
    let started = false
    const tracked: Send = (e) => {
      started = true
      return send(e)
    }
    try {
      await app(scope, receive, tracked)
    } catch (error) {
      if (started || scope.type !== 'http') throw error
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body' })
    }
  }
}

/** `app` with a count of its HTTP units in flight; `idle()` resolves once none is. */
export function drainingApp(app: Application): { app: Application; idle(): Promise<void> } {
  let inFlight = 0
  let waiting: (() => void) | null = null
  return {
    async app(scope, receive, send) {
      if (scope.type !== 'http') return app(scope, receive, send)
      inFlight++
      try {
        await app(scope, receive, send)
      } finally {
        if (--inFlight === 0) waiting?.()
      }
    },
    idle() {
      return inFlight === 0 ? Promise.resolve() : new Promise((r) => (waiting = r))
    },
  }
}

/**
 * Feature detection: which optional features the server under test offers, from the
 * extensions it announces in an HTTP scope and a WebSocket handshake. Internal to the runner
 * (exported for its tests).
 *
 * @module
 */
import type { RunningServer } from './harness.ts'
import type { Feature, Transport } from './types.ts'
import { exchange } from './wire.ts'

/** What {@link detect} found: the features, and the extensions of the server's HTTP scopes. */
export interface Detected {
  features: Set<Feature>
  extensions: Record<string, unknown>
}

/**
 * The features `server` offers, asked over the run's transport (`h2`: `via` over TLS), so that
 * what is detected is what the cases will get. The WebSocket probe is HTTP/1.1 bytes on the
 * cleartext port; under TLS it is not made (WebSocket cases are HTTP/1.1 wire cases, skipped).
 */
export async function detect(
  server: Pick<RunningServer, 'url' | 'host' | 'port'>,
  forced: Partial<Record<Feature, boolean>> | undefined,
  template: string,
  transport: Transport,
  via: typeof fetch,
): Promise<Detected> {
  const features = new Set<Feature>()
  let extensions: Record<string, unknown> = {}
  try {
    // Deadlines, not waits: generous, since a missed one would skip a feature's cases.
    const res = await via(`${server.url}/scope`, { signal: AbortSignal.timeout(15_000) })
    extensions = ((await res.json()) as { extensions?: Record<string, unknown> }).extensions ?? {}
  } catch {}
  if (extensions['http.response.trailers']) features.add('trailers')
  if (extensions['http.response.pathsend']) features.add('pathsend')
  if (transport !== 'h2')
    try {
      const r = await exchange(
        server.port,
        server.host,
        [
          'GET /ws/echo HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ],
        { timeout: 15_000, until: (b) => b.includes('\r\n\r\n') },
      )
      if (r.raw.toString('latin1').startsWith('HTTP/1.1 101')) {
        features.add('websocket')
        // The denial extension is announced in websocket scopes; the main app echoes it.
      }
    } catch {}
  features.add('lifespan')
  features.add('denial')
  if (template.includes('{rootPath}')) features.add('root-path')
  for (const [name, on] of Object.entries(forced ?? {})) {
    if (on) features.add(name as Feature)
    else features.delete(name as Feature)
  }
  return { features, extensions }
}

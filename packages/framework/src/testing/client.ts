/**
 * One client API for both transports of {@link openClient}: a request in, a buffered response
 * out, the same whether the app is driven in memory or over a real socket.
 *
 * @module
 */
import type { HeaderList } from '@tsgi/protocol'

/** Where a {@link Client} sends its requests: in memory, or to the reference server over TCP. */
export type Transport = 'memory' | 'socket'

/** Both transports, in the order {@link createDescribeBoth} runs them. */
export const TRANSPORTS: readonly Transport[] = ['memory', 'socket']

/** A request, the same for both transports. */
export interface ClientRequest {
  /** Method. Default `GET`. */
  method?: string
  /** Request headers. */
  headers?: Record<string, string>
  /** The body: text or bytes. */
  body?: string | Uint8Array
  /** A JSON body; sets `content-type: application/json` unless given. */
  json?: unknown
}

/** A buffered response, the same for both transports. */
export interface ClientResponse {
  /** The status code. */
  status: number
  /** Every header as sent, names lowercased, repeated headers (`set-cookie`) kept apart. */
  headers: HeaderList
  /** The first value of a header (case-insensitive), or `undefined`. */
  header(name: string): string | undefined
  /** The body as received (after any framing, before any decoding: no gunzip). */
  body: Uint8Array
  /** The body as UTF-8 text. */
  text(): string
  /** The body parsed as JSON. */
  json<T = unknown>(): T
}

/** A client for the app under test. */
export interface Client {
  /** `memory` or `socket`. */
  readonly transport: Transport
  /** Sends a request and buffers the whole response. */
  request(path: string, init?: ClientRequest): Promise<ClientResponse>
  /** The server's base URL (`http://testserver` in memory). */
  readonly url: string
}

/** A {@link Client} that {@link openClient} opened: close it to shut the app (and server) down. */
export interface OpenClient extends Client {
  /** Runs the app's lifespan shutdown and, over a socket, closes the server and connections. */
  close(): Promise<void>
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

const decoder = new TextDecoder()

/** A {@link ClientResponse} from what either transport received (names already lowercased). */
export function clientResponse(
  status: number,
  headers: HeaderList,
  body: Uint8Array,
): ClientResponse {
  return {
    status,
    headers,
    body,
    header: (name) => {
      const lower = name.toLowerCase()
      return headers.find(([n]) => n === lower)?.[1]
    },
    text: () => decoder.decode(body),
    json: <T>() => JSON.parse(decoder.decode(body)) as T,
  }
}

/** The body to send and the headers to send it with (`json` encoded, its content-type added). */
export function payloadOf(init: ClientRequest): {
  headers: Record<string, string>
  body: string | Uint8Array | undefined
} {
  const headers: Record<string, string> = { ...init.headers }
  if (init.json === undefined) return { headers, body: init.body }
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
  if (!hasType) headers['content-type'] = 'application/json'
  return { headers, body: JSON.stringify(init.json) }
}

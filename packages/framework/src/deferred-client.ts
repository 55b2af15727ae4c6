/**
 * `app.request()` and `app.testClient()` without loading the test client into production: the
 * client is a stand-in whose methods (all asynchronous) import `@tsgi/protocol/testing` on the
 * first call, so an app that never runs in a test never loads it.
 *
 * @module
 */
import type { Application } from '@tsgi/protocol'
import type {
  RequestInit,
  StreamingResponse,
  TestClient,
  TestClientOptions,
  TestResponse,
  TestWebSocket,
  WebSocketInit,
} from '@tsgi/protocol/testing'

/** A {@link TestClient} for `app` that loads the real one on first use. */
export function deferredTestClient(app: Application, options?: TestClientOptions): TestClient {
  let real: Promise<TestClient> | undefined
  let loaded: TestClient | undefined
  const client = (): Promise<TestClient> => {
    real ??= import('@tsgi/protocol/testing').then((testing) => {
      loaded = testing.createTestClient(app, options)
      return loaded
    })
    return real
  }
  const close = async (): Promise<void> => {
    // Nothing was started when nothing was loaded.
    if (real !== undefined) await (await client())[Symbol.asyncDispose]()
  }
  return {
    request: async (target: string | RequestInit, init?: RequestInit): Promise<TestResponse> =>
      (await client()).request(target, init),
    stream: async (target: string | RequestInit, init?: RequestInit): Promise<StreamingResponse> =>
      (await client()).stream(target, init),
    websocket: async (path: string, init?: WebSocketInit): Promise<TestWebSocket> =>
      (await client()).websocket(path, init),
    startup: async () => (await client()).startup(),
    shutdown: async () => (await client()).shutdown(),
    get lifespanSupported() {
      return loaded?.lifespanSupported
    },
    [Symbol.asyncDispose]: close,
  }
}

/**
 * The Workers host: a module worker whose default export is `toFetch(app)`, bundled by
 * workerd.ts for each app (`tsgi-workers:app` is the app module, `TSGI_ROOT_PATH` the mount
 * prefix, both set at bundle time: a worker takes no command line). The client address is
 * the `CF-Connecting-IP` header Cloudflare's edge sets (port 0: it names no port); workerd
 * itself sets none, so the tests send it. WebSockets go through `WebSocketPair`.
 *
 * @module
 */

import app from 'tsgi-workers:app'
import { toFetch } from '@tsgi/adapters/fetch'
import { workersWebSocket } from './websocket.ts'

declare const TSGI_ROOT_PATH: string

export default toFetch(app, {
  rootPath: TSGI_ROOT_PATH,
  websocket: workersWebSocket(),
  client: (request) => {
    const ip = request.headers.get('cf-connecting-ip')
    return ip === null ? null : { host: ip, port: 0 }
  },
})

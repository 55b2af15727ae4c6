/**
 * Runs the example application through the in-memory test client and prints each exchange:
 * the protocol at work without any server. (`tsgi src/example/app.ts` serves it over HTTP.)
 */
import { createTestClient } from '../testing/index.ts'
import { app } from './app.ts'

const client = createTestClient(app)
const state = await client.startup()
console.log('lifespan startup complete; state =', state)

const hello = await client.request('/')
console.log(
  `GET /      -> ${hello.status} ${hello.header('content-type')}: ${JSON.stringify(hello.text())}`,
)

const echo = await client.request('/echo', {
  method: 'POST',
  body: ['streamed ', 'in ', 'three chunks'],
  headers: { 'content-type': 'text/plain' },
})
console.log(`POST /echo -> ${echo.status}: ${JSON.stringify(echo.text())}`)

const missing = await client.request('/nope')
console.log(`GET /nope  -> ${missing.status}`)

const ws = await client.websocket('/ws')
ws.send('ping')
console.log(`WS /ws     -> echoed ${JSON.stringify(await ws.receiveText())}`)
ws.close()

await client.shutdown()
console.log('lifespan shutdown complete')

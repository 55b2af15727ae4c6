import { type Application, UnsupportedScopeError } from '@tsgi/protocol'
import { createTestClient } from '@tsgi/protocol/testing'

export const app: Application = async (scope, _receive, send) => {
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  const body = new TextEncoder().encode(`Hello from ${scope.path}\n`)
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', 'text/plain'],
      ['content-length', String(body.byteLength)],
    ],
  })
  await send({ type: 'http.response.body', body })
}

// In memory, through the protocol's test client (no socket).
export async function main(): Promise<unknown> {
  const res = await createTestClient(app).request('/hi')
  return { status: res.status, text: res.text() } // { status: 200, text: 'Hello from /hi\n' }
}

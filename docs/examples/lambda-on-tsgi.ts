import { toLambda } from '@tsgi/adapters/lambda'
import { type Application, UnsupportedScopeError } from '@tsgi/protocol'

// A TSGI app as an AWS Lambda handler (API Gateway, ALB or a Function URL in front of it).
export const app: Application = async (scope, receive, send) => {
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type) // no lifespan here
  await receive() // the whole body arrives in one event on Lambda
  const name = scope.path.slice(scope.rootPath.length).split('/')[2] ?? 'world'
  await send({
    type: 'http.response.start',
    status: 200,
    headers: [
      ['content-type', 'application/json'],
      ['set-cookie', 'seen=1'],
      ['set-cookie', 'theme=dark'],
    ],
  })
  await send({ type: 'http.response.body', body: new TextEncoder().encode(`{"hello":"${name}"}`) })
}

// `export const handler = toLambda(app)` in the function's module is the whole deployment.
export const handler = toLambda(app)

export async function main(): Promise<unknown> {
  // An HTTP API event (payload 2.0) for GET /prod/hello/ada on a stage named "prod".
  const result = await handler({
    version: '2.0',
    rawPath: '/prod/hello/ada',
    rawQueryString: '',
    headers: { host: 'api.example.com' },
    requestContext: { stage: 'prod', http: { method: 'GET', sourceIp: '203.0.113.7' } },
  })
  return result // cookies stay apart; the stage became scope.rootPath
}

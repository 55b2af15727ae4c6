/** A test app without lifespan support (it throws on that scope): it must still be served. */
import type { Application } from '../../application.ts'
import { UnsupportedScopeError } from '../../errors.ts'
import { json } from './record.ts'

const app: Application = async (scope, _receive, send) => {
  if (scope.type !== 'http') throw new UnsupportedScopeError(scope.type)
  await json(send, 200, { served: true })
}
export default app

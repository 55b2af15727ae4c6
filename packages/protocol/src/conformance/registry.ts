/**
 * Every server case, in run order.
 *
 * @module
 */
import { bodyCases } from './cases/body.ts'
import { disconnectCases } from './cases/disconnect.ts'
import { errorCases } from './cases/errors.ts'
import { keepAliveCases } from './cases/keepalive.ts'
import { lifespanCases } from './cases/lifespan.ts'
import { malformedCases } from './cases/malformed.ts'
import { responseCases } from './cases/response.ts'
import { scopeCases } from './cases/scope.ts'
import { websocketCases } from './cases/websocket.ts'
import type { Case } from './types.ts'

/** All cases; the lifespan and shutdown ones start their own servers from `template`. */
export function serverCases(template: string): Case[] {
  return [
    ...lifespanCases(template),
    ...scopeCases,
    ...bodyCases,
    ...responseCases,
    ...errorCases,
    ...disconnectCases,
    ...malformedCases,
    ...keepAliveCases,
    ...websocketCases,
  ]
}

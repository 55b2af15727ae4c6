/**
 * Every server case, in run order.
 *
 * @module
 */
import { bodyCases } from './cases/body.ts'
import { disconnectCases } from './cases/disconnect.ts'
import { errorCases } from './cases/errors.ts'
import { framingCases } from './cases/framing.ts'
import { http2Cases } from './cases/http2.ts'
import { keepAliveCases } from './cases/keepalive.ts'
import { lifespanCases } from './cases/lifespan.ts'
import { malformedCases } from './cases/malformed.ts'
import { pipeliningCases } from './cases/pipelining.ts'
import { requestCases } from './cases/request.ts'
import { responseCases } from './cases/response.ts'
import { scopeCases } from './cases/scope.ts'
import { shutdownCases } from './cases/shutdown.ts'
import { websocketCases } from './cases/websocket.ts'
import type { Case } from './types.ts'

/**
 * All cases (the HTTP/2-only ones are selected under h2c only); the lifespan and shutdown ones start their own servers from `template`. The
 * memory check of pipelining runs last, so that nothing it leaves behind affects another.
 */
export function serverCases(template: string): Case[] {
  return [
    ...lifespanCases(template),
    ...shutdownCases(template),
    ...scopeCases,
    ...bodyCases,
    ...responseCases,
    ...errorCases,
    ...disconnectCases,
    ...requestCases,
    ...malformedCases,
    ...framingCases,
    ...keepAliveCases,
    ...websocketCases,
    ...http2Cases,
    ...pipeliningCases,
  ]
}

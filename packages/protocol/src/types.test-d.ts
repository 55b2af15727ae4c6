import { describe, expectTypeOf, test } from 'vitest'
import type {
  Application,
  HTTPScope,
  LifespanScope,
  ReceiveEvent,
  Scope,
  SendEvent,
  WebSocketScope,
} from './index.ts'

describe('discriminated unions narrow on type', () => {
  test('scopes', () => {
    const scope = {} as Scope
    if (scope.type === 'http') {
      expectTypeOf(scope).toEqualTypeOf<HTTPScope>()
      expectTypeOf(scope.method).toBeString()
      expectTypeOf(scope.scheme).toEqualTypeOf<'http' | 'https'>()
      expectTypeOf(scope.server).toEqualTypeOf<{ host: string; port: number | null } | null>()
    } else if (scope.type === 'websocket') {
      expectTypeOf(scope).toEqualTypeOf<WebSocketScope>()
      expectTypeOf(scope.subprotocols).toEqualTypeOf<string[]>()
    } else {
      expectTypeOf(scope).toEqualTypeOf<LifespanScope>()
    }
  })

  test('received events', () => {
    const event = {} as ReceiveEvent
    if (event.type === 'http.request') {
      expectTypeOf(event.body).toEqualTypeOf<Uint8Array>()
      expectTypeOf(event.moreBody).toBeBoolean()
    }
    if (event.type === 'websocket.disconnect') expectTypeOf(event.code).toBeNumber()
    if (event.type === 'websocket.receive' && event.text != null)
      expectTypeOf(event.text).toBeString()
  })

  test('sent events are checked at compile time', () => {
    expectTypeOf<{ type: 'http.response.start'; status: 200 }>().toExtend<SendEvent>()
    expectTypeOf<{ type: 'http.response.start' }>().not.toExtend<SendEvent>()
    expectTypeOf<{ type: 'websocket.send'; text: 'x' }>().toExtend<SendEvent>()
    expectTypeOf<{ type: 'http.response.body'; body: string }>().not.toExtend<SendEvent>()
  })

  test('state is typed through the generic', () => {
    type AppState = { db: { query(): number } }
    const app: Application<AppState> = async (scope) => {
      if (scope.type === 'http') expectTypeOf(scope.state.db.query()).toBeNumber()
    }
    expectTypeOf(app).returns.toEqualTypeOf<Promise<void>>()
  })
})

describe('applications with typed state', () => {
  test('are accepted where any application is', () => {
    const typed: Application<{ db: string }> = async () => {}
    const accept = (_app: Application) => {}
    accept(typed)
    expectTypeOf(typed).toExtend<Application>()
  })
})

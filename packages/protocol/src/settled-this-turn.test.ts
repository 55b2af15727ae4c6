import { describe, expect, test } from 'vitest'
import { NOT_SETTLED, settledThisTurn } from './settled-this-turn.ts'

describe('settledThisTurn', () => {
  test('a promise already settled, or settled within microtasks, gives its value', async () => {
    expect(await settledThisTurn(Promise.resolve(1))).toBe(1)
    const chained = Promise.resolve().then(() => Promise.resolve(2))
    expect(await settledThisTurn(chained)).toBe(2)
  })

  test('one that settles on a later turn gives NOT_SETTLED, and keeps running', async () => {
    let settle: (value: string) => void = () => {}
    const later = new Promise<string>((resolve) => {
      settle = resolve
    })
    expect(await settledThisTurn(later)).toBe(NOT_SETTLED)
    setTimeout(() => settle('late'), 0)
    expect(await later).toBe('late')
  })

  test('a rejection in time rejects with its reason', async () => {
    const error = new Error('boom')
    await expect(settledThisTurn(Promise.reject(error))).rejects.toBe(error)
  })
})

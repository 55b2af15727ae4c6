/** The conformance suite against the in-process backend. */
import { describe } from 'vitest'
import { memoryBackend } from '../src/index.ts'
import { conformance } from './conformance.ts'

describe('memory backend', () => {
  conformance(({ keepCompleted }) => memoryBackend({ keepCompleted }))
})

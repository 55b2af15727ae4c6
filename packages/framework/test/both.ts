/**
 * Runs each integration test twice: in memory through the protocol's test client, and over a
 * real socket through the reference server (h3's convention). Tests get one `Client` API.
 * The logic is the published kit's (`@tsgi/framework/testing`): we test our app as users test
 * theirs.
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { createDescribeBoth } from '../src/testing/index.ts'

export type { Client, ClientRequest, ClientResponse } from '../src/testing/index.ts'

/**
 * Declares `body`'s tests for both transports. `makeApp` is called once per transport; the
 * app's lifespan runs before the tests and shuts down after them.
 */
export const describeBoth = createDescribeBoth({ describe, beforeAll, afterAll })

import type { TsgiVersion } from './common.ts'

/** The `scope.tsgi` value of this release. Frozen: servers may share it between scopes. */
export const TSGI_VERSION: TsgiVersion = Object.freeze({ version: '1.0', specVersion: '1.0' })

/**
 * Where the suite's test apps are on disk (`.ts` from the sources, `.js` once built).
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import type { AppName } from '../types.ts'

const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js'

/** The absolute path of a test app module (its default export is the application). */
export function appPath(name: AppName): string {
  return fileURLToPath(new URL(`./${name}.${ext}`, import.meta.url))
}

/**
 * A Bun benchmark server: `bun bun-host.ts <tofetch|plain> <port> [toFetchPath]` serves the
 * TSGI app through `toFetch` (of `toFetchPath`, another copy of `src/fetch/to-fetch.ts`, when
 * given), or the plain fetch handler, with `Bun.serve`; prints "ready".
 */
import { adaptedBy, plain } from './fetch-apps.ts'

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch(request: Request): unknown }): unknown
}
declare const process: { argv: string[]; on(event: string, f: () => void): void; exit(): void }

const [kind, port, path] = process.argv.slice(2)
process.on('SIGTERM', () => process.exit())
const adapted = await adaptedBy(path)
await adapted.ready()
const fetch = kind === 'tofetch' ? (r: Request) => adapted.fetch(r) : plain
Bun.serve({ port: Number(port), hostname: '127.0.0.1', fetch })
console.log('ready')

/**
 * A Bun benchmark server: `bun bun-host.ts <tofetch|plain> <port>` serves the TSGI app through
 * `toFetch`, or the plain fetch handler, with `Bun.serve`; prints "ready".
 */
import { adapted, plain } from './fetch-apps.ts'

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch(request: Request): unknown }): unknown
}
declare const process: { argv: string[]; on(event: string, f: () => void): void; exit(): void }

const [kind, port] = process.argv.slice(2)
process.on('SIGTERM', () => process.exit())
await adapted.ready()
const fetch = kind === 'tofetch' ? (r: Request) => adapted.fetch(r) : plain
Bun.serve({ port: Number(port), hostname: '127.0.0.1', fetch })
console.log('ready')

/**
 * A Deno benchmark server: `deno run -A deno-host.ts <tofetch|plain> <port> [toFetchPath]`
 * serves the TSGI app through `toFetch` (of `toFetchPath`, another copy of
 * `src/fetch/to-fetch.ts`, when given), or the plain fetch handler, with `Deno.serve`; prints
 * "ready".
 */
import { adaptedBy, plain } from './fetch-apps.ts'

declare const Deno: {
  args: string[]
  serve(
    options: { port: number; hostname: string; onListen(): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown
}

const [kind, port, path] = Deno.args
const adapted = await adaptedBy(path)
await adapted.ready()
const handler = kind === 'tofetch' ? (r: Request) => adapted.fetch(r) : plain
Deno.serve(
  { port: Number(port), hostname: '127.0.0.1', onListen: () => console.log('ready') },
  handler,
)

/**
 * The end-to-end scenarios of the framework benches (bench/run.ts, bench/alloc.ts), and one
 * autocannon load of a scenario that checks every answer has the scenario's status.
 */
import autocannon from 'autocannon'
import { benchRequest } from '../../../scripts/bench/request.ts'

const compared = ['tsgi', 'fastify', 'hono'] as const
/**
 * A target of bench/targets.ts: the framework, fastify, hono, or `bare` — the reference server
 * with a protocol app written by hand (no framework), the floor the framework adds to.
 */
export type Kind = (typeof compared)[number] | 'bare'
/** The targets compared, each in its own process: `bare` too with BENCH_BARE=1. */
export const kinds: readonly Kind[] = process.env.BENCH_BARE ? [...compared, 'bare'] : compared

/** A request repeated under load, and the status each framework answers it with. */
export interface Scenario {
  name: string
  path: string
  method: 'GET' | 'POST' | 'DELETE'
  body?: string
  /** The status each answers with (`bare` answers as tsgi does). */
  status: Record<(typeof compared)[number], number>
}

const all = (status: number): Scenario['status'] => ({
  tsgi: status,
  fastify: status,
  hono: status,
})

/** GET routes, a validated POST, and the not-found paths scanners and bots keep hitting. */
export const scenarios: Scenario[] = [
  { name: 'GET JSON', path: '/json', method: 'GET', status: all(200) },
  { name: 'GET with a param', path: '/users/12345', method: 'GET', status: all(200) },
  {
    name: 'POST JSON echo, validated',
    path: '/echo',
    method: 'POST',
    body: JSON.stringify({ name: 'lamp', price: 12.5 }),
    status: all(200),
  },
  { name: 'GET 404 (default not-found)', path: '/missing/page', method: 'GET', status: all(404) },
  {
    // fastify and hono answer a method the path lacks with their 404; tsgi with a 405 + allow.
    name: 'DELETE 405 (tsgi; 404 elsewhere)',
    path: '/json',
    method: 'DELETE',
    status: { tsgi: 405, fastify: 404, hono: 404 },
  },
]

/** Only the scenarios whose name contains BENCH_ONLY (all when unset). */
export function selected(): Scenario[] {
  const only = process.env.BENCH_ONLY
  return only ? scenarios.filter((s) => s.name.includes(only)) : scenarios
}

/** Loads `port` with `s` for `seconds` (or `amount` requests); throws on any other status. */
export async function load(
  port: number,
  kind: Kind,
  s: Scenario,
  connections: number,
  limit: { seconds?: number; amount?: number },
): Promise<{ rps: number; p99: number; total: number }> {
  const r = await autocannon({
    ...benchRequest(port, s),
    connections,
    ...(limit.amount === undefined ? { duration: limit.seconds } : { amount: limit.amount }),
  })
  const codes = r.statusCodeStats as unknown as Record<string, { count: number }>
  const wanted = codes[String(s.status[kind === 'bare' ? 'tsgi' : kind])]?.count ?? 0
  // With a fixed amount autocannon cuts the requests still in flight at the end, counted as
  // errors: a few are expected (the answers counted are those received).
  const tolerated = limit.amount === undefined ? 0 : Math.max(connections, limit.amount / 50)
  if (r.errors > tolerated || wanted !== r.requests.total)
    throw new Error(`${s.name} on ${kind}: ${JSON.stringify(codes)}, ${r.errors} errors`)
  return { rps: r.requests.average, p99: r.latency.p99, total: r.requests.total }
}

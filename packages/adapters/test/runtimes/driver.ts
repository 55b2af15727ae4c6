/**
 * Drives a Bun or Deno host of `toFetch` from Node: starts `test/runtimes/{bun,deno}-host.ts`
 * serving test/runtimes/apps/probe.ts, reads what the probe recorded, and raw-socket helpers.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { DEADLINE } from '../fetch-helpers.ts'
import { hostScript, type Runtime, runArgs } from './find.ts'

const APP = fileURLToPath(new URL('./apps/probe.ts', import.meta.url))

/** A running host. */
export interface Host {
  child: ChildProcess
  port: number
  stdout: string
  exit: Promise<number | null>
}

/**
 * Starts the host of `runtime` serving the probe on a free port, with `flags` after the port;
 * resolves once it printed its address.
 */
export function startHost(runtime: Runtime, bin: string, flags: string[]): Promise<Host> {
  const child = spawn(
    bin,
    [...runArgs(runtime), hostScript(runtime), APP, '--port', '0', ...flags],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const host = { child, port: 0, stdout: '' } as Host
  host.exit = new Promise((r) => child.on('exit', (code) => r(code)))
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d
  })
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      host.stdout += d
      const m = /serving on http:\/\/[^:]+:(\d+)/.exec(host.stdout)
      if (m && host.port === 0) {
        host.port = Number(m[1])
        resolve(host)
      }
    })
    host.exit.then((code) => reject(new Error(`${runtime} host exited (${code}): ${stderr}`)))
  })
}

/** What the probe recorded. */
export const record = async (host: Host) =>
  (await (await fetch(`http://127.0.0.1:${host.port}/record`)).json()) as {
    startups: number
    streamed: number
    waited: string | null
    flooded: number
    wsClosed: { code: number; reason: string } | null
    hanging: number
    cut: number
    held: { messages: number; bytes: number; code: number } | null
    lateHeaders: Array<[string, string]> | null
  }

/** Polls `value()` until `done` holds of it (a deadline, not a wait: 10 s on a busy machine). */
export async function poll<T>(value: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const end = Date.now() + DEADLINE
  for (;;) {
    const v = await value()
    if (done(v) || Date.now() > end) return v
  }
}

/** Polls `value()` until it is at least `min` and has not changed over 25 polls in a row. */
export async function settled(value: () => Promise<number>, min: number): Promise<number> {
  let last = -1
  let same = 0
  const end = Date.now() + 2 * DEADLINE
  while (Date.now() < end) {
    const v = await value()
    same = v === last && v >= min ? same + 1 : 0
    last = v
    if (same >= 25) return v
  }
  throw new Error(`the value did not settle (last ${last})`)
}

/** Opens a raw socket, writes `head`, and resolves with the socket and the response head. */
export function rawRequest(
  port: number,
  head: string,
): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buffer = Buffer.alloc(0)
    const onData = (d: Buffer) => {
      buffer = Buffer.concat([buffer, d])
      const end = buffer.indexOf('\r\n\r\n')
      if (end === -1) return
      socket.off('data', onData)
      socket.pause()
      resolve({
        socket,
        head: buffer.subarray(0, end).toString('latin1'),
        rest: buffer.subarray(end + 4),
      })
    }
    socket.on('data', onData)
    socket.on('error', reject)
    socket.write(head)
  })
}

/** Reads from `socket` (resumed) until `count` bytes arrived after `already`. */
export function readAtLeast(socket: Socket, already: number, count: number): Promise<number> {
  return new Promise((resolve) => {
    let got = already
    socket.on('data', (d: Buffer) => {
      got += d.byteLength
      if (got >= count) {
        resolve(got)
        socket.destroy()
      }
    })
    socket.resume()
  })
}

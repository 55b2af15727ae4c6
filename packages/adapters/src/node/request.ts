/**
 * Builds the real `http.IncomingMessage` a node listener gets from an `http` scope.
 *
 * @module
 */
import { IncomingMessage } from 'node:http'
import type { HTTPScope } from '@tsgi/protocol'
import type { VirtualSocket } from './virtual-socket.ts'

/** Fields Express's router reads and honours when already set (its mount bookkeeping). */
interface MountFields {
  originalUrl?: string
  baseUrl?: string
}

/** node's parser hook on `IncomingMessage` (stable since node 0.x, absent from the types). */
interface HeaderHook {
  _addHeaderLines(headers: string[], n: number): void
}

/** Whether the request carries a body at all (no framing header, or `content-length: 0`: none). */
export function hasBody(scope: HTTPScope): boolean {
  for (const [name, value] of scope.headers) {
    if (name === 'transfer-encoding') return true
    if (name === 'content-length' && value.trim() !== '0') return true
  }
  return false
}

/**
 * A real `IncomingMessage` over `socket` with the scope's method, URL, version and headers.
 * With a `rootPath`, `url` is the path below it (as Express gives a mounted app), while
 * `originalUrl` keeps the full target and `baseUrl` the mount point, unless `keepRootPath`.
 */
export function createRequest(
  scope: HTTPScope,
  socket: VirtualSocket,
  keepRootPath: boolean,
): IncomingMessage {
  const req = new IncomingMessage(socket as never)
  const query = scope.queryString === '' ? '' : `?${scope.queryString}`
  const full = scope.rawPath + query
  req.method = scope.method
  const root = scope.rootPath
  if (!keepRootPath && root !== '' && scope.rawPath.startsWith(root)) {
    const below = scope.rawPath.slice(root.length)
    req.url = (below.startsWith('/') ? below : `/${below}`) + query
    const mount = req as IncomingMessage & MountFields
    mount.originalUrl = full
    mount.baseUrl = root
  } else {
    req.url = full
  }
  const version = scope.httpVersion === '2' ? '2.0' : scope.httpVersion
  req.httpVersion = version
  req.httpVersionMajor = Number(version[0])
  req.httpVersionMinor = Number(version[2])
  // Through node's own parser hook: it records `rawHeaders` and the count from which node
  // derives `headers` and `headersDistinct` lazily, with its rules for duplicates (set-cookie
  // arrays, comma joins, single-valued fields dropped after the first).
  const raw: string[] = []
  for (const [name, value] of scope.headers) raw.push(name, value)
  ;(req as IncomingMessage & HeaderHook)._addHeaderLines(raw, raw.length)
  return req
}

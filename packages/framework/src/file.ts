/**
 * File responses: ETag and Last-Modified validators, conditional requests (304), single byte
 * ranges (206/416), and the server's `http.response.pathsend` when it offers it.
 *
 * @module
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { getHeader, type HTTPScope, isClientDisconnected, type Send } from '@tsgi/protocol'
import { NotFoundError } from './errors.ts'
import type { FileBody, Response } from './response.ts'

const EMPTY = new Uint8Array(0)

/** Parses a single `bytes=` range against `size`: `[start, end]`, `'unsatisfiable'`, or `null` (ignore). */
export function parseRange(
  header: string,
  size: number,
): [number, number] | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return null
  let start: number
  let end: number
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0) return 'unsatisfiable'
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(match[1])
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
    if (start > end || start >= size) return 'unsatisfiable'
  }
  return [start, end]
}

async function statFile(path: string) {
  try {
    const info = await stat(path)
    if (info.isFile()) return info
  } catch {}
  throw new NotFoundError('file not found')
}

/** Sends a file body. A missing file is a 404. */
export async function sendFile(
  res: Response,
  body: FileBody,
  scope: HTTPScope,
  send: Send,
): Promise<void> {
  const info = await statFile(body.path)
  const headers = res.headers
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`
  if (body.etag && !headers.has('etag')) headers.set('etag', etag)
  if (body.lastModified && !headers.has('last-modified'))
    headers.set('last-modified', info.mtime.toUTCString())
  if (body.ranges) headers.set('accept-ranges', 'bytes')
  const method = scope.method
  if (method === 'GET' || method === 'HEAD') {
    const ifNoneMatch = getHeader(scope.headers, 'if-none-match')
    const ifModifiedSince = getHeader(scope.headers, 'if-modified-since')
    const notModified =
      ifNoneMatch !== undefined
        ? body.etag &&
          ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')
        : body.lastModified &&
          ifModifiedSince !== undefined &&
          Math.floor(info.mtimeMs / 1000) <= Math.floor(Date.parse(ifModifiedSince) / 1000)
    if (notModified) {
      headers.delete('content-length')
      await send({ type: 'http.response.start', status: 304, headers: headers.list })
      await send({ type: 'http.response.body' })
      return
    }
  }
  let start = 0
  let end = info.size - 1
  const rangeHeader =
    body.ranges && res.status === 200 ? getHeader(scope.headers, 'range') : undefined
  const ifRange = getHeader(scope.headers, 'if-range')
  const range =
    rangeHeader !== undefined && (ifRange === undefined || ifRange === etag)
      ? parseRange(rangeHeader, info.size)
      : null
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${info.size}`)
    headers.set('content-length', '0')
    await send({ type: 'http.response.start', status: 416, headers: headers.list })
    await send({ type: 'http.response.body' })
    return
  }
  let status = res.status
  if (range) {
    ;[start, end] = range
    status = 206
    headers.set('content-range', `bytes ${start}-${end}/${info.size}`)
  }
  const length = Math.max(0, end - start + 1)
  headers.set('content-length', String(length))
  await send({ type: 'http.response.start', status, headers: headers.list })
  if (method === 'HEAD' || length === 0) {
    await send({ type: 'http.response.body' })
    return
  }
  if (!range && scope.extensions['http.response.pathsend']) {
    await send({ type: 'http.response.pathsend', path: body.path })
    return
  }
  const stream = createReadStream(body.path, { start, end, highWaterMark: 64 * 1024 })
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      await send({ type: 'http.response.body', body: chunk, moreBody: true })
    }
  } catch (error) {
    if (isClientDisconnected(error)) return
    throw error
  } finally {
    stream.destroy()
  }
  await send({ type: 'http.response.body', body: EMPTY })
}

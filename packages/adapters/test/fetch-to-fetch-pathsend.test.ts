/**
 * toFetch's `http.response.pathsend`: announced only with `options.files`; the file is the
 * `Response` body with a `content-length` from its size; HEAD sends none of it; a missing file
 * rejects `send()` (a 500); a declared length that does not match is a 500 with
 * `PathsendLengthError`; `bunFiles` and `denoFiles` against stand-ins of `Bun.file` and
 * `Deno.open`. In memory, and over a socket through fromFetch(toFetch(app)) and serve().
 */
import { openAsBlob, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Application, HeaderList } from '@tsgi/protocol'
import { describe, expect, it } from 'vitest'
import {
  bunFiles,
  denoFiles,
  type FileOpener,
  fromFetch,
  PathsendErrorCode,
  toFetch,
} from '../src/fetch/index.ts'
import { startServer } from './fetch-helpers.ts'

const SELF = fileURLToPath(import.meta.url)
const SIZE = statSync(SELF).size
const nodeFiles: FileOpener = async (path) => {
  const size = statSync(path).size // First: a missing file is ENOENT.
  return { body: await openAsBlob(path), size }
}

function sender(path: string, headers: HeaderList = [], errors: unknown[] = []): Application {
  return async (scope, _receive, send) => {
    if (scope.type !== 'http') throw new Error('http only')
    await send({ type: 'http.response.start', status: 200, headers })
    try {
      await send({ type: 'http.response.pathsend', path })
    } catch (error) {
      errors.push(error)
      throw error
    }
  }
}

describe('toFetch: http.response.pathsend', () => {
  it('is announced only when the host can open files', async () => {
    const announced: unknown[] = []
    const app: Application = async (scope, _r, send) => {
      if (scope.type === 'http') announced.push(scope.extensions['http.response.pathsend'])
      await send({ type: 'http.response.start', status: 204 })
      await send({ type: 'http.response.body' })
    }
    await toFetch(app).fetch(new Request('http://x/'))
    await toFetch(app, { files: nodeFiles }).fetch(new Request('http://x/'))
    expect(announced).toEqual([undefined, {}])
  })

  it('sends the file with a content-length from its size; HEAD sends the length only', async () => {
    const handler = toFetch(sender(SELF, [['content-type', 'text/plain']]), { files: nodeFiles })
    const get = await handler.fetch(new Request('http://x/'))
    expect(get.headers.get('content-length')).toBe(String(SIZE))
    expect(await get.text()).toBe(readFileSync(SELF, 'utf8'))
    const head = await handler.fetch(new Request('http://x/', { method: 'HEAD' }))
    expect([head.headers.get('content-length'), await head.text()]).toEqual([String(SIZE), ''])
  })

  it('a missing file rejects send() and answers 500; a wrong declared length too', async () => {
    const errors: unknown[] = []
    const quiet = { files: nodeFiles, onError: () => {} }
    const missing = await toFetch(sender('/no/such/file', [], errors), quiet).fetch(
      new Request('http://x/'),
    )
    const wrong = await toFetch(sender(SELF, [['content-length', '1']], errors), quiet).fetch(
      new Request('http://x/'),
    )
    expect([missing.status, wrong.status]).toEqual([500, 500])
    expect(errors.map((e) => (e as { code: string }).code)).toEqual([
      'ENOENT',
      PathsendErrorCode.length,
    ])
  })

  it('over a socket: fromFetch(toFetch(app)) through serve()', async () => {
    const server = await startServer(fromFetch(toFetch(sender(SELF), { files: nodeFiles })))
    try {
      const res = await fetch(`${server.url}/`)
      expect([res.headers.get('content-length'), (await res.text()).length]).toEqual([
        String(SIZE),
        readFileSync(SELF, 'utf8').length,
      ])
    } finally {
      await server.close()
    }
  })
})

describe('the runtimes’ file openers', () => {
  it('bunFiles: the BunFile is the body; a missing one is ENOENT', async () => {
    const blob = new Blob(['abc'])
    const files = bunFiles((path) => Object.assign(blob, { exists: async () => path === '/here' }))
    const opened = await files('/here')
    expect([opened.body, opened.size]).toEqual([blob, 3])
    await expect(files('/gone')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('denoFiles: the readable and the stat size; closed when stat fails', async () => {
    let closed = 0
    const readable = new Blob(['abcd']).stream()
    const files = denoFiles(async (path) => ({
      readable,
      stat: async () => {
        if (path === '/bad') throw new Error('stat failed')
        return { size: 4 }
      },
      close: () => {
        closed++
      },
    }))
    expect(await files('/ok')).toEqual({ body: readable, size: 4 })
    await expect(files('/bad')).rejects.toThrow('stat failed')
    expect(closed).toBe(1)
  })
})

/**
 * The `http.response.pathsend` extension: the response body is a file, streamed from disk with
 * backpressure, with a Content-Length from the file's size when the application set none.
 *
 * @module
 */
import { type FileHandle, open } from 'node:fs/promises'
import {
  ClientDisconnectedError,
  ContentLengthError,
  type HTTPResponseTracker,
} from '@tsgi/protocol'

/** What `sendFile` needs from the exchange. */
export interface FileTarget {
  /** Where the file's bytes go: `write` returns false while the transport is full. */
  readonly response: { write(chunk: Uint8Array): boolean }
  readonly tracker: HTTPResponseTracker
  readonly clientGone: boolean
  writeHeadForFile(size: number): void
  waitForDrain(): Promise<void>
  fileSent(bytes: number): void
  fileFailed(error: Error): void
}

/** Streams the file at `path` as the response body. Rejects with the I/O error if it cannot. */
export async function sendFile(target: FileTarget, path: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    const stat = await handle.stat()
    if (!stat.isFile())
      throw Object.assign(new Error(`pathsend: not a regular file: ${path}`), { code: 'EISDIR' })
    const declared = target.tracker.contentLength
    if (declared >= 0 && declared !== stat.size && !target.tracker.bodyless)
      throw new ContentLengthError(declared, stat.size)
    if (target.clientGone) throw new ClientDisconnectedError()
    target.writeHeadForFile(stat.size)
    if (target.tracker.bodyless) {
      target.fileSent(0)
      return
    }
    const res = target.response
    let sent = 0
    for await (const chunk of handle.createReadStream({
      autoClose: false,
      highWaterMark: 64 * 1024,
    }) as AsyncIterable<Buffer>) {
      if (target.clientGone) throw new ClientDisconnectedError()
      sent += chunk.byteLength
      if (!res.write(chunk)) await target.waitForDrain()
    }
    target.fileSent(sent)
  } catch (error) {
    if (!(error instanceof ClientDisconnectedError)) target.fileFailed(error as Error)
    throw error
  } finally {
    await handle?.close().catch(() => {})
  }
}

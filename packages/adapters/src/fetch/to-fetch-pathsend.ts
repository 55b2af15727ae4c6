/**
 * `http.response.pathsend` for `toFetch` (SPEC.md §7.2): the host says how its runtime opens a
 * file (`bunFiles(Bun.file)`, `denoFiles(Deno.open)`), and the file becomes the `Response`
 * body, so the runtime streams it (Bun with sendfile) with a `content-length` from its size.
 *
 * @module
 */
import { type HeaderList, TSGIError } from '@tsgi/protocol'

/** An opened file: its bytes and its size. */
export interface OpenedFile {
  /** What the `Response` carries: a `Blob` (Bun's `BunFile`) or a byte stream. */
  body: ReadableStream<Uint8Array> | Blob
  /** The size in bytes. */
  size: number
}

/** Opens the file at an absolute path; rejects (say with `ENOENT`) when it cannot be read. */
export type FileOpener = (path: string) => Promise<OpenedFile>

/** Error codes of pathsend through `toFetch`. */
export const PathsendErrorCode = {
  /** The application declared a `content-length` other than the file's size. */
  length: 'TSGI_ADAPTERS_ERR_PATHSEND_LENGTH',
} as const

/** A `content-length` the application set does not match the file (the response is a 500). */
export class PathsendLengthError extends TSGIError<typeof PathsendErrorCode.length> {
  constructor(path: string, declared: string, size: number) {
    super(
      PathsendErrorCode.length,
      `pathsend ${path}: content-length ${declared} does not match the file's ${size} bytes`,
    )
    this.name = 'PathsendLengthError'
  }
}

/** Opens `path` and checks it against the declared `content-length`, if any. */
export async function openForPathsend(
  files: FileOpener,
  path: string,
  headers: HeaderList,
): Promise<OpenedFile> {
  const file = await files(path)
  const declared = headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1]
  if (declared !== undefined && Number(declared.trim()) !== file.size) {
    if (file.body instanceof ReadableStream) await file.body.cancel().catch(() => {})
    throw new PathsendLengthError(path, declared, file.size)
  }
  return file
}

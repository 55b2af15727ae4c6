/**
 * Request body framing errors (SPEC.md §5.8.7–§5.8.9, RFC 9112 §6.1, §7.1): each gets an
 * answer — never a silent close — and the connection closes, since what follows cannot be
 * framed; the server keeps serving others.
 */
import type { Case } from '../types.ts'
import { refused } from './malformed.ts'

const chunked = (body: string, codings = 'chunked') =>
  `POST /echo-body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ${codings}\r\n\r\n${body}`
const close = { close: true }

export const framingCases: Case[] = [
  refused(
    'framing.unknown-coding',
    'a transfer coding the server does not implement → 501, then close',
    '§5.8.8',
    chunked('5\r\nhello\r\n0\r\n\r\n', 'x-unknown, chunked'),
    { statuses: [501], close: true },
  ),
  refused(
    'framing.http-1.0-transfer-encoding',
    'HTTP/1.0 with Transfer-Encoding → 400, then close (even when keep-alive was asked)',
    '§5.8.7',
    'POST /echo-body HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    close,
  ),
  refused(
    'framing.chunk-size-plus',
    'a chunk size with a sign (`+5`) → 400, then close',
    '§5.8.9',
    chunked('+5\r\nhello\r\n0\r\n\r\n'),
    close,
  ),
  refused(
    'framing.chunk-size-0x',
    'a chunk size with a `0x` prefix → 400, then close',
    '§5.8.9',
    chunked('0x5\r\nhello\r\n0\r\n\r\n'),
    close,
  ),
  refused(
    'framing.chunk-size-overflow',
    'a chunk size of 17 hex digits (over 64 bits) → 400, then close',
    '§5.8.9',
    chunked('10000000000000005\r\nhello\r\n0\r\n\r\n'),
    close,
  ),
  refused(
    'framing.chunk-line-lf',
    'a chunk-size line ended by a lone LF → 400, then close',
    '§5.8.9',
    chunked('5\nhello\r\n0\r\n\r\n'),
    close,
  ),
  refused(
    'framing.chunk-missing-crlf',
    'chunk data not followed by CRLF → 400, then close',
    '§5.8.9',
    chunked('5\r\nhelloX0\r\n\r\n'),
    close,
  ),
  refused(
    'framing.chunk-extension-too-long',
    'a 20 KiB chunk extension → 400 or 413, then close',
    '§5.8.9',
    chunked(`5;${'a'.repeat(20 * 1024)}\r\nhello\r\n0\r\n\r\n`),
    { statuses: [400, 413], close: true },
  ),
]

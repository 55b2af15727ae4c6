/** WebSocket sessions (SPEC.md §6), over a minimal raw client. */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { ErrorCode } from '../../errors.ts'
import type { Case, CaseContext } from '../types.ts'
import { expectThat, recorded, token } from './util.ts'

interface Session {
  socket: Socket
  head: string
  status: number
  /** Frames received: opcode and payload. */
  frames: Array<{ op: number; data: Buffer }>
  next(): Promise<{ op: number; data: Buffer }>
  send(op: number, data: Buffer): void
}

/** Opens a WebSocket with a raw handshake; resolves after the response head. */
function open(ctx: CaseContext, path: string, protocols?: string): Promise<Session> {
  return new Promise((resolve, reject) => {
    const socket = connect(ctx.port, ctx.host)
    let buffer = Buffer.alloc(0)
    let session: Session | null = null
    const frames: Session['frames'] = []
    const waiters: Array<() => void> = []
    socket.on('error', () => {})
    socket.setTimeout(5000, () => socket.destroy())
    const parse = () => {
      for (;;) {
        if (buffer.length < 2) return
        const op = buffer[0]! & 0x0f
        let len = buffer[1]! & 0x7f
        let at = 2
        if (len === 126) {
          if (buffer.length < 4) return
          len = buffer.readUInt16BE(2)
          at = 4
        } else if (len === 127) {
          if (buffer.length < 10) return
          len = Number(buffer.readBigUInt64BE(2))
          at = 10
        }
        if (buffer.length < at + len) return
        frames.push({ op, data: buffer.subarray(at, at + len) })
        buffer = buffer.subarray(at + len)
        waiters.shift()?.()
      }
    }
    socket.on('data', (d: Buffer) => {
      buffer = Buffer.concat([buffer, d])
      if (session === null) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = buffer.subarray(0, end).toString('latin1')
        buffer = buffer.subarray(end + 4)
        session = {
          socket,
          head,
          status: Number(head.split(' ')[1]),
          frames,
          next: () =>
            new Promise((res, rej) => {
              const take = () => res(frames.shift()!)
              if (frames.length > 0) return take()
              waiters.push(take)
              socket.once('close', () => rej(new Error('connection closed before the next frame')))
            }),
          send(op, data) {
            const mask = randomBytes(4)
            const masked = Buffer.from(data.map((b, i) => b ^ mask[i % 4]!))
            const len = data.length
            const headBytes =
              len < 126
                ? Buffer.from([0x80 | op, 0x80 | len])
                : Buffer.from([0x80 | op, 0x80 | 126, len >> 8, len & 255])
            socket.write(Buffer.concat([headBytes, mask, masked]))
          },
        }
        resolve(session)
      }
      parse()
    })
    socket.on('close', () => {
      if (session === null) reject(new Error('closed before the handshake answer'))
    })
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${protocols ? `Sec-WebSocket-Protocol: ${protocols}\r\n` : ''}\r\n`,
      )
    })
  })
}

const closeCode = (data: Buffer) => (data.length >= 2 ? data.readUInt16BE(0) : 1005)
const needs: Case['needs'] = ['websocket']

export const websocketCases: Case[] = [
  {
    id: 'websocket.accept-subprotocol',
    title: 'accept with a subprotocol and extra headers completes the handshake',
    spec: '§6.3.2',
    app: 'main',
    needs,
    async run(ctx) {
      const s = await open(ctx, '/ws/echo', 'other, chat')
      s.socket.destroy()
      expectThat(
        s.status === 101 &&
          /sec-websocket-protocol: chat/i.test(s.head) &&
          /x-accepted: yes/i.test(s.head),
        'a handshake offering "other, chat"',
        s.head.split('\r\n').join(' | '),
        '101 with Sec-WebSocket-Protocol: chat and x-accepted: yes',
      )
    },
  },
  {
    id: 'websocket.text-echo',
    title: 'text messages both ways',
    spec: '§6.4.1',
    app: 'main',
    needs,
    async run(ctx) {
      const s = await open(ctx, '/ws/echo')
      s.send(1, Buffer.from('héllo'))
      const f = await s.next()
      s.socket.destroy()
      expectThat(
        f.op === 1 && f.data.toString() === 'echo:héllo',
        'a text frame "héllo"',
        `opcode ${f.op} ${JSON.stringify(f.data.toString())}`,
        'a text frame "echo:héllo"',
      )
    },
  },
  {
    id: 'websocket.bytes-echo',
    title: 'binary messages both ways',
    spec: '§6.4.1',
    app: 'main',
    needs,
    async run(ctx) {
      const s = await open(ctx, '/ws/echo')
      s.send(2, Buffer.from([0, 1, 254, 255]))
      const f = await s.next()
      s.socket.destroy()
      expectThat(
        f.op === 2 && [...f.data].join() === '0,1,254,255',
        'a binary frame 00 01 fe ff',
        `opcode ${f.op} [${[...f.data].join()}]`,
        'the same bytes in a binary frame',
      )
    },
  },
  {
    id: 'websocket.scope',
    title: 'the websocket scope has subprotocols and scheme ws',
    spec: '§6.1',
    app: 'main',
    needs,
    async run(ctx) {
      const s = await open(ctx, '/ws/echo?q=1', 'chat')
      s.send(1, Buffer.from('scope'))
      const scope = JSON.parse((await s.next()).data.toString()) as Record<string, unknown>
      s.socket.destroy()
      expectThat(
        scope.type === 'websocket' &&
          scope.scheme === 'ws' &&
          JSON.stringify(scope.subprotocols) === '["chat"]' &&
          scope.queryString === 'q=1',
        'a handshake to /ws/echo?q=1 offering chat',
        JSON.stringify({
          type: scope.type,
          scheme: scope.scheme,
          subprotocols: scope.subprotocols,
          queryString: scope.queryString,
        }),
        'type websocket, scheme ws, subprotocols ["chat"], queryString "q=1"',
      )
    },
  },
  {
    id: 'websocket.close-from-app',
    title: 'the app closes with its code and reason',
    spec: '§6.4.4',
    app: 'main',
    needs,
    async run(ctx) {
      const s = await open(ctx, '/ws/echo')
      s.send(1, Buffer.from('close:4001'))
      const f = await s.next()
      s.socket.destroy()
      expectThat(
        f.op === 8 && closeCode(f.data) === 4001 && f.data.subarray(2).toString() === 'asked',
        'ask the app to close with 4001',
        `opcode ${f.op}, code ${closeCode(f.data)}`,
        'a close frame with 4001 "asked"',
      )
    },
  },
  {
    id: 'websocket.close-from-client',
    title: "the client's close code reaches the app",
    spec: '§6.4.3',
    app: 'main',
    needs,
    async run(ctx) {
      const t = token()
      const s = await open(ctx, `/ws/watch?t=${t}`)
      const payload = Buffer.alloc(2)
      payload.writeUInt16BE(4002)
      s.send(8, payload)
      await s.next().catch(() => undefined)
      s.socket.destroy()
      const r = await recorded(ctx, t, (x) => x.code !== undefined)
      expectThat(
        r.code === 4002,
        'a close frame with 4002',
        JSON.stringify(r),
        'websocket.disconnect with code 4002',
      )
    },
  },
  {
    id: 'websocket.lost-connection',
    title: 'a lost connection is 1006; send() then rejects, receive() keeps yielding disconnect',
    spec: '§6.4.3',
    app: 'main',
    needs,
    async run(ctx) {
      const t = token()
      const s = await open(ctx, `/ws/watch?t=${t}`)
      s.socket.destroy()
      const r = await recorded(ctx, t, (x) => x.next !== undefined)
      expectThat(
        r.code === 1006 &&
          r.after === ErrorCode.clientDisconnected &&
          r.next === 'websocket.disconnect',
        'the TCP connection dropped without a close frame',
        JSON.stringify(r),
        `code 1006, send() → ${ErrorCode.clientDisconnected}, receive() → websocket.disconnect`,
      )
    },
  },
  {
    id: 'websocket.close-before-accept',
    title: 'closing before accepting answers HTTP 403',
    spec: '§6.3.3',
    app: 'main',
    needs,
    async run(ctx) {
      const s = await open(ctx, '/ws/refuse')
      s.socket.destroy()
      expectThat(
        s.status === 403,
        'a handshake the app refuses',
        s.head.split('\r\n')[0] ?? '',
        'HTTP/1.1 403',
      )
    },
  },
  {
    id: 'websocket.denial-response',
    title: "the denial extension sends the app's own HTTP response",
    spec: '§7.3',
    app: 'main',
    needs: ['websocket', 'denial'],
    async run(ctx) {
      const s = await open(ctx, '/ws/deny')
      s.socket.destroy()
      expectThat(
        s.status === 401 && /x-denied: yes/i.test(s.head),
        'a handshake the app denies with 401',
        s.head.split('\r\n').join(' | '),
        'HTTP/1.1 401 with x-denied: yes',
      )
    },
  },
]

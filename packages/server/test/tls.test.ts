/** HTTPS: scheme, the `tls` extension, and a bad key file. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import { serve } from '../src/index.ts'
import { recordingLogger, scopeEcho, startServer, type TestServer } from './helpers.ts'

const keyfile = fileURLToPath(new URL('./tls/key.pem', import.meta.url))
const certfile = fileURLToPath(new URL('./tls/cert.pem', import.meta.url))
const ca = readFileSync(certfile)

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('https', () => {
  test('scheme is https and the tls extension describes the connection', async () => {
    server = await startServer(scopeEcho, { sslKeyfile: keyfile, sslCertfile: certfile })
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const agent = new Agent({ connect: { ca } })
    const res = await request(`${server.url}/secure`, { dispatcher: agent })
    const scope = (await res.body.json()) as {
      scheme: string
      extensions: { tls: Record<string, unknown> }
    }
    expect(scope.scheme).toBe('https')
    const tls = scope.extensions.tls
    expect(tls.tlsVersion).toBe(0x0304)
    expect(typeof tls.cipherSuite).toBe('number')
    expect(String(tls.serverCert).trim()).toBe(ca.toString().trim())
    expect(tls.clientCertChain).toEqual([])
    expect(tls.clientCertName).toBeNull()
    await agent.close()
  })

  test('only one of the two files: TSGI_SERVER_ERR_OPTION', async () => {
    const error = await serve(scopeEcho, {
      port: 0,
      sslKeyfile: keyfile,
      logger: recordingLogger(),
    }).catch((e) => e)
    expect(error.code).toBe('TSGI_SERVER_ERR_OPTION')
    expect(error.message).toMatch(/invalid option sslCertfile: missing: a key file was given/)
  })

  test('an unreadable key file: TSGI_SERVER_ERR_OPTION naming the problem', async () => {
    const error = await serve(scopeEcho, {
      port: 0,
      sslKeyfile: '/nonexistent/key.pem',
      sslCertfile: certfile,
      logger: recordingLogger(),
    }).catch((e) => e)
    expect(error.code).toBe('TSGI_SERVER_ERR_OPTION')
    expect(error.message).toMatch(/invalid option sslKeyfile: cannot read .*ENOENT/)
  })
})

/**
 * The `tls` scope extension, read from a TLS socket.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { TLSExtension } from '@tsgi/protocol'

const VERSIONS: Record<string, number> = {
  'TLSv1.3': 0x0304,
  'TLSv1.2': 0x0303,
  'TLSv1.1': 0x0302,
  TLSv1: 0x0301,
}

/** IANA numbers of the cipher suites Node negotiates by default (RFC 8446, RFC 5289, RFC 7905). */
const CIPHERS: Record<string, number> = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 0x009e,
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 0x009f,
}

function pem(raw: Buffer | undefined): string | null {
  if (!raw || raw.byteLength === 0) return null
  return new X509Certificate(raw).toString()
}

/** The `tls` extension of a connection (computed once per connection). */
export function tlsExtension(socket: TLSSocket): TLSExtension {
  const version = socket.getProtocol()
  const cipher = socket.getCipher()
  const own = socket.getCertificate()
  const peer = socket.getPeerCertificate(true)
  const chain: string[] = []
  const seen = new Set<unknown>()
  for (
    let cert = peer;
    cert && 'raw' in cert && cert.raw && !seen.has(cert);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert)
    const text = pem(cert.raw)
    if (text) chain.push(text)
  }
  const authError = socket.authorizationError as Error | string | null | undefined
  return {
    serverCert: own && 'raw' in own ? pem(own.raw) : null,
    clientCertChain: chain,
    clientCertName:
      chain.length > 0 ? new X509Certificate(peer.raw).subject.replaceAll('\n', ',') : null,
    clientCertError:
      chain.length > 0 && authError
        ? String(authError instanceof Error ? authError.message : authError)
        : null,
    tlsVersion: version ? (VERSIONS[version] ?? null) : null,
    cipherSuite: cipher?.standardName ? (CIPHERS[cipher.standardName] ?? null) : null,
  }
}

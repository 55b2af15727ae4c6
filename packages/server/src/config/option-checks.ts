/**
 * The checks of the options that need more than a range: addresses, trusted proxies, the unix
 * socket path and the TLS files. Each returns why the value is wrong, or `undefined` when it is
 * fine, so that `resolveOptions` can raise every error the same way, before anything runs.
 *
 * @module
 */
import { createPublicKey, X509Certificate } from 'node:crypto'
import { lstatSync, readFileSync, statSync } from 'node:fs'
import { isIP } from 'node:net'
import { dirname } from 'node:path'
import { createSecureContext, type SecureContextOptions } from 'node:tls'

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 253 bytes at most. */
const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i

/** Why `host` cannot be bound to, if it cannot: it must be an IP address or a host name. */
export function hostProblem(host: unknown): string | undefined {
  if (typeof host !== 'string') return `expected a string, got ${typeof host}`
  if (isIP(host) !== 0 || HOSTNAME.test(host)) return undefined
  const bare = /^\[(.*)\]$/.exec(host)?.[1]
  if (bare !== undefined && isIP(bare) === 6)
    return `expected an IP address or a host name, got ${JSON.stringify(host)} (write an IPv6 address without brackets: ${bare})`
  return `expected an IP address or a host name, got ${JSON.stringify(host)}`
}

/** Why a `forwardedAllowIps` entry is not `*`, an IP, or a CIDR with a prefix length in range. */
function allowEntryProblem(entry: unknown): string | undefined {
  if (entry === '*') return undefined
  if (typeof entry !== 'string') return `expected strings, got ${typeof entry}`
  const slash = entry.indexOf('/')
  const ip = slash === -1 ? entry : entry.slice(0, slash)
  const family = isIP(ip)
  if (family === 0) return `not an IP address or CIDR: ${JSON.stringify(entry)}`
  if (slash === -1) return undefined
  const bits = entry.slice(slash + 1)
  const max = family === 4 ? 32 : 128
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max)
    return `the prefix length of ${JSON.stringify(entry)} must be an integer from 0 to ${max}`
  return undefined
}

/** Why `value` is not one of `allowed`: `expected auto, on or off, got "sometimes"`. */
export function choiceProblem(value: unknown, allowed: readonly string[]): string | undefined {
  if (typeof value === 'string' && allowed.includes(value)) return undefined
  const list = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`
  const got = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return `expected ${list}, got ${got}`
}

/** Why `forwardedAllowIps` is not a list of IPs, CIDRs or `*`. */
export function allowIpsProblem(entries: unknown): string | undefined {
  if (!Array.isArray(entries)) return `expected a list of IPs, CIDRs or *, got ${typeof entries}`
  if (entries.length === 0) return 'expected at least one IP, CIDR or *'
  for (const entry of entries) {
    const problem = allowEntryProblem(entry)
    if (problem !== undefined) return problem
  }
  return undefined
}

/**
 * The longest unix socket path the OS takes (`sun_path` less its NUL): 107 bytes on Linux, 103
 * on macOS and the BSDs. Windows named pipes have no such limit.
 */
const UDS_MAX = process.platform === 'linux' ? 107 : process.platform === 'win32' ? Infinity : 103

/** Why a unix socket cannot be created at `path`. */
export function udsProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'expected a non-empty path'
  if (path.includes('\0')) return 'the path contains a NUL byte'
  const bytes = Buffer.byteLength(path)
  if (bytes > UDS_MAX)
    return `the path is ${bytes} bytes long, over the ${UDS_MAX} a unix socket path can have: ${path}`
  if (process.platform === 'win32') return undefined
  const dir = dirname(path)
  const parent = statOf(dir)
  if (parent === undefined) return `the directory ${dir} does not exist`
  if (!parent.isDirectory()) return `${dir} is not a directory`
  const existing = lstatOf(path)
  // A socket left by a previous run is replaced at listen time; anything else is not ours.
  if (existing !== undefined && !existing.isSocket())
    return `${path} exists and is not a socket (it would not be replaced)`
  return undefined
}

function statOf(path: string) {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

function lstatOf(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

/** What is wrong with the TLS files, naming the option at fault. */
export interface TlsProblem extends OptionProblem {
  /** The file at fault. */
  option: 'sslKeyfile' | 'sslCertfile'
}

function readPem(path: unknown): Buffer | string {
  if (typeof path !== 'string' || path === '') return 'expected a file path'
  try {
    return readFileSync(path)
  } catch (error) {
    return `cannot read ${path}: ${(error as Error).message}`
  }
}

/**
 * Reads the key and the certificate chain and builds a TLS context from them, so that an
 * unreadable file, a file that is not PEM, or a key that does not match the certificate is
 * reported before the application starts instead of when the server is created.
 */
export function tlsProblem(keyfile: unknown, certfile: unknown): TlsProblem | undefined {
  if (keyfile === undefined && certfile === undefined) return undefined
  if (certfile === undefined)
    return { option: 'sslCertfile', problem: 'missing: a key file was given without a certificate' }
  if (keyfile === undefined)
    return { option: 'sslKeyfile', problem: 'missing: a certificate was given without a key file' }
  const key = readPem(keyfile)
  if (typeof key === 'string') return { option: 'sslKeyfile', problem: key }
  const cert = readPem(certfile)
  if (typeof cert === 'string') return { option: 'sslCertfile', problem: cert }
  const problem = (context: SecureContextOptions): string | undefined => {
    try {
      createSecureContext(context)
      return undefined
    } catch (error) {
      return (error as Error).message
    }
  }
  const badCert = problem({ cert })
  if (badCert !== undefined)
    return {
      option: 'sslCertfile',
      problem: `${certfile}: not a usable PEM certificate (${badCert})`,
    }
  const badKey = problem({ key })
  if (badKey !== undefined)
    return { option: 'sslKeyfile', problem: `${keyfile}: not a usable PEM private key (${badKey})` }
  // OpenSSL checks a key against a certificate of its own type only: compare the public keys.
  let matches: boolean
  try {
    matches = new X509Certificate(cert).publicKey.equals(createPublicKey(key))
  } catch {
    matches = false
  }
  if (!matches)
    return {
      option: 'sslKeyfile',
      problem: `${keyfile}: the key does not match the certificate in ${certfile}`,
    }
  return undefined
}

/** What is wrong with an option, and which. */
export interface OptionProblem {
  /** The option's name (a `ServerOptions` key). */
  option: string
  /** Why its value is wrong. */
  problem: string
}

const LOGGER_METHODS = ['enabled', 'error', 'warn', 'info', 'debug', 'access'] as const

/**
 * Why the options object does not have the shape TypeScript would have enforced: an unknown
 * (misspelt) key, or a logger, state or signal of the wrong kind. For JavaScript callers.
 */
export function shapeProblem(
  options: Record<string, unknown>,
  known: ReadonlySet<string>,
): OptionProblem | undefined {
  for (const [key, value] of Object.entries(options)) {
    // A misspelt option would otherwise be ignored without a word.
    if (value !== undefined && !known.has(key)) return { option: key, problem: 'unknown option' }
  }
  const { logger, state, signal } = options
  if (logger !== undefined) {
    const missing = LOGGER_METHODS.filter(
      (m) => typeof (logger as Record<string, unknown> | null)?.[m] !== 'function',
    )
    if (missing.length > 0)
      return { option: 'logger', problem: `expected a Logger, missing ${missing.join(', ')}` }
  }
  if (state !== undefined && (typeof state !== 'object' || state === null))
    return {
      option: 'state',
      problem: `expected an object, got ${state === null ? 'null' : typeof state}`,
    }
  const s = signal as { aborted?: unknown; addEventListener?: unknown } | null | undefined
  if (
    signal !== undefined &&
    (typeof s?.aborted !== 'boolean' || typeof s.addEventListener !== 'function')
  )
    return { option: 'signal', problem: 'expected an AbortSignal' }
  return undefined
}

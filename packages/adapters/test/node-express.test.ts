import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { checkApp } from '@tsgi/protocol/conformance'
import { createTestClient } from '@tsgi/protocol/testing'
import express from 'express'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fromNodeListener } from '../src/node/index.ts'
import { memory, type Transport, until, values, wire } from './node-helpers.ts'

const sendFileOutcomes: string[] = []

function expressApp(): express.Express {
  const app = express()
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'tsgi' })
  })
  app.post('/echo', express.json(), (req, res) => {
    res.json({ got: req.body })
  })
  app.get('/redirect', (_req, res) => res.redirect('/hello'))
  app.get('/cookies', (_req, res) => {
    res.cookie('a', '1')
    res.cookie('b', '2', { httpOnly: true })
    res.send('ok')
  })
  app.get('/gone', (_req, res) => res.sendStatus(404))
  app.get('/stream', (_req, res) => {
    res.type('text/plain')
    for (let i = 0; i < 5; i++) res.write(`chunk${i}\n`)
    res.end()
  })
  app.get('/info', (req, res) => {
    res.json({
      url: req.url,
      originalUrl: req.originalUrl,
      ip: req.socket.remoteAddress,
      secure: req.secure,
      query: req.query,
      httpVersion: req.httpVersion,
    })
  })
  // sendFile's callback reports how the response ended: an error if the client aborted.
  app.get('/file', (_req, res) => {
    res.sendFile(fileURLToPath(import.meta.url), (error) => {
      sendFileOutcomes.push(error ? `error: ${error.message}` : 'ok')
    })
  })
  app.get('/boom', () => {
    throw new Error('boom')
  })
  return app
}

const app = fromNodeListener(expressApp())

describe.each(['memory', 'wire'])('Express 5 app (%s)', (kind) => {
  let t: Transport
  beforeAll(async () => {
    t = kind === 'memory' ? memory(app) : await wire(app)
  })
  afterAll(() => t.close())

  test('res.json', async () => {
    const got = await t.hit({ path: '/hello' })
    expect(got.status).toBe(200)
    expect(values(got, 'content-type')[0]).toMatch(/^application\/json/)
    expect(JSON.parse(got.text)).toEqual({ hello: 'tsgi' })
  })

  test('res.sendFile: the file, and its callback sees a completed response (not an abort)', async () => {
    const before = sendFileOutcomes.length
    const got = await t.hit({ path: '/file' })
    expect(got.status).toBe(200)
    expect(got.text).toBe(readFileSync(fileURLToPath(import.meta.url), 'utf8'))
    await until(() => sendFileOutcomes.length > before)
    expect(sendFileOutcomes.slice(before)).toEqual(['ok'])
  })

  test('express.json() reads the request body', async () => {
    const got = await t.hit({
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1,"s":"x"}',
    })
    expect(got.status).toBe(200)
    expect(JSON.parse(got.text)).toEqual({ got: { n: 1, s: 'x' } })
  })

  test('res.redirect', async () => {
    const got = await t.hit({ path: '/redirect' })
    expect(got.status).toBe(302)
    expect(values(got, 'location')).toEqual(['/hello'])
  })

  test('two cookies stay two set-cookie fields', async () => {
    const got = await t.hit({ path: '/cookies' })
    expect(values(got, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly'])
    expect(got.text).toBe('ok')
  })

  test('res.sendStatus(404)', async () => {
    const got = await t.hit({ path: '/gone' })
    expect(got.status).toBe(404)
    expect(got.text).toBe('Not Found')
  })

  test('res.write in a loop streams every chunk', async () => {
    const got = await t.hit({ path: '/stream' })
    expect(got.text).toBe('chunk0\nchunk1\nchunk2\nchunk3\nchunk4\n')
    expect(values(got, 'transfer-encoding').length).toBeLessThanOrEqual(1)
  })

  test('no next: Express answers unknown routes and errors itself', async () => {
    const missing = await t.hit({ path: '/nope' })
    expect(missing.status).toBe(404)
    expect(missing.text).toContain('Cannot GET /nope')
    const boom = await t.hit({ path: '/boom' })
    expect(boom.status).toBe(500)
  })

  test('url, query, client address', async () => {
    const got = await t.hit({ path: '/info?a=1&b=two' })
    const info = JSON.parse(got.text)
    expect(info.url).toBe('/info?a=1&b=two')
    expect(info.originalUrl).toBe('/info?a=1&b=two')
    expect(info.query).toEqual({ a: '1', b: 'two' })
    expect(info.ip).toBe('127.0.0.1')
    expect(info.secure).toBe(false)
    expect(info.httpVersion).toBe('1.1')
  })

  test('no hop-by-hop field reaches the client from the adapter', async () => {
    const got = await t.hit({ path: '/hello' })
    if (kind === 'memory') {
      expect(values(got, 'keep-alive')).toEqual([])
      // In memory the headers are exactly what the app sent: none of node's framing.
      expect(values(got, 'connection')).toEqual([])
      expect(values(got, 'transfer-encoding')).toEqual([])
    }
  })
})

describe('Express 5 app mounted under a rootPath', () => {
  test('req.url is below the mount, req.originalUrl is the full path', async () => {
    const client = createTestClient(app, { rootPath: '/legacy', scheme: 'https' })
    const res = await client.request('/info?x=1')
    const info = res.json<Record<string, unknown>>()
    expect(info.url).toBe('/info?x=1')
    expect(info.originalUrl).toBe('/legacy/info?x=1')
    expect(info.secure).toBe(true)
  })
})

describe('checkApp', () => {
  test('fromNodeListener(expressApp) passes the conformance checks', async () => {
    const report = await checkApp(app)
    expect(report.violations).toEqual([])
    expect(report.passed).toBe(true)
  })
})

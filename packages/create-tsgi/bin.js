#!/usr/bin/env node
// `npm create tsgi@latest my-app` (npm runs this as `create-tsgi my-app`), or from a checkout
// `node packages/create-tsgi/bin.js my-app`. Plain JavaScript with no dependencies: it runs
// from npm's cache as it is, without a build.
import { main } from './src/cli.js'

process.exitCode = main(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
})

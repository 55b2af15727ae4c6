#!/usr/bin/env node
// The `tsgi` command. A plain JS entry that exists before the package is built, so package
// managers can link it at install time; the CLI itself is compiled to dist/cli/main.js.
//
// The Node.js version is checked first, before the CLI is imported (a static import would be
// evaluated before this check), and without a top-level await: an older Node.js gets one line
// saying what is needed instead of `Unknown file extension ".ts"`.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
require('@tsgi/protocol/check-node').checkNode('tsgi', require('../package.json').engines.node)
import('../dist/cli/main.js').then((cli) => cli.runCommand())

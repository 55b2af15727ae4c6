#!/usr/bin/env node
// The `tsgi` command. A plain JS entry that exists before the package is built, so package
// managers can link it at install time; the CLI itself is compiled to dist/cli.js.
import { main } from '../dist/cli.js'

process.exitCode = await main()
// A leaked handle in the application must not keep a stopped server alive.
setTimeout(() => process.exit(), 2000).unref()

#!/usr/bin/env node
// The `tsgi-conformance` command; the CLI itself is compiled to dist/conformance/cli.js.
import { main } from '../dist/conformance/cli.js'

process.exitCode = await main(process.argv.slice(2))

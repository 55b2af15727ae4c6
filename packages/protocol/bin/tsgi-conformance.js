#!/usr/bin/env node
// The `tsgi-conformance` command; the CLI itself is compiled to dist/conformance/cli.js.
//
// The Node.js version is checked first, before the CLI is imported (a static import would be
// evaluated before this check), and without a top-level await: an older Node.js gets one line
// saying what is needed instead of a syntax or loader error.
import nodeVersion from './check-node.cjs'

nodeVersion.checkNode('tsgi-conformance')
import('../dist/conformance/cli.js').then(async (cli) => {
  process.exitCode = await cli.main(process.argv.slice(2))
})

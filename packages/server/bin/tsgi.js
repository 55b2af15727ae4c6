#!/usr/bin/env node
// The `tsgi` command. A plain JS entry that exists before the package is built, so package
// managers can link it at install time; the CLI itself is compiled to dist/cli.js.
import '../dist/cli.js'

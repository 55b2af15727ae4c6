// Checks the Node.js version against an `engines.node` range (">=MAJOR.MINOR"), and exits with
// one line saying what is needed when older. CommonJS with no syntax newer than Node.js 14 on
// purpose: it must run on an old Node.js to be able to say so. The one copy: `tsgi-conformance`
// (bin/), `tsgi` (@tsgi/server's bin, through `@tsgi/protocol/check-node`) and the root npm
// scripts (scripts/check-node.cjs) all call it.
'use strict'

/** The one-line complaint about `found` (a `v1.2.3` version), or null if it is new enough. */
function nodeVersionProblem(name, engines, found) {
  const want = /(\d+)\.(\d+)/.exec(String(engines))
  const have = /^v?(\d+)\.(\d+)/.exec(found)
  if (!want || !have) return null
  const major = Number(have[1])
  const minor = Number(have[2])
  if (major > Number(want[1]) || (major === Number(want[1]) && minor >= Number(want[2])))
    return null
  return `${name}: Node.js ${want[1]}.${want[2]} or newer is required (found ${found})`
}

/**
 * Exits with code 1 and one line on stderr when this Node.js is older than `range` (by default
 * this package's own `engines.node`).
 */
function checkNode(name, range) {
  const wanted = range === undefined ? require('../package.json').engines.node : range
  const problem = nodeVersionProblem(name, wanted, process.version)
  if (problem === null) return
  process.stderr.write(`${problem}\n`)
  process.exit(1)
}

exports.nodeVersionProblem = nodeVersionProblem
exports.checkNode = checkNode

if (require.main === module) checkNode(process.argv[2] || 'tsgi')

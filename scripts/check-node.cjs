// The root npm scripts check the Node.js version first (against the root package.json's
// engines.node), with the check @tsgi/protocol ships for its own and @tsgi/server's commands.
'use strict'
require('../packages/protocol/bin/check-node.cjs').checkNode(
  'tsgi',
  require('../package.json').engines.node,
)

/**
 * `@tsgi/server/cli`: what the `tsgi` command is made of, for tools that drive it from code:
 * {@link main} runs a command line, {@link parseCliArgs} parses one, {@link loadApp} loads
 * `module[:export]` the way the command does, and {@link runServer} runs one server process
 * with signal handling. Exit codes are {@link ExitCode} (README, "Exit codes").
 *
 * @module
 */

export { type CliArgs, type CliCommand, parseCliArgs } from './args.ts'
export { loadApp } from './load.ts'
export { main } from './main.ts'
export { ExitCode, runServer } from './run.ts'

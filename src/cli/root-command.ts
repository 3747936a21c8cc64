import { Command } from 'commander';
import { createRequire } from 'node:module';

/** The package version, read from package.json (src/cli and dist/cli sit at the same depth). */
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The bare `frugal` command, without subcommands: what every way of building the tree starts from. */
export function createRootCommand(): Command {
  return (
    new Command()
      .name('frugal')
      .description('Cost-aware LLM batch job runner: the cheapest model that is good enough, never over budget.')
      .version(VERSION)
      .showHelpAfterError('(run with --help for usage)')
      // Options after a subcommand belong to it, so `results export --kind x` is not read by `results`.
      .enablePositionalOptions()
  );
}

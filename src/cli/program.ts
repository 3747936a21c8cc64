import { Command } from 'commander';
import { registerAlerts } from './commands/alerts.js';
import { registerBudget } from './commands/budget.js';
import { registerEnqueue } from './commands/enqueue.js';
import { registerEstimate } from './commands/estimate.js';
import { registerMigrate } from './commands/migrate.js';
import { registerModels } from './commands/models.js';
import { registerSim } from './commands/sim.js';
import { registerWorker } from './commands/worker.js';

/** Builds the `frugal` command tree. Each command module registers its own subcommands. */
export function buildProgram(): Command {
  const program = new Command()
    .name('frugal')
    .description('Cost-aware LLM batch job runner: the cheapest model that is good enough, never over budget.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  registerMigrate(program);
  registerModels(program);
  registerSim(program);
  registerEnqueue(program);
  registerWorker(program);
  registerEstimate(program);
  registerBudget(program);
  registerAlerts(program);
  return program;
}

import type { Command } from 'commander';
import { registerAlerts } from './commands/alerts.js';
import { registerBatches } from './commands/batches.js';
import { registerBudget } from './commands/budget.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDemo } from './commands/demo.js';
import { registerEnqueue } from './commands/enqueue.js';
import { registerEstimate } from './commands/estimate.js';
import { registerEval } from './commands/eval.js';
import { registerJobs } from './commands/jobs.js';
import { registerMigrate } from './commands/migrate.js';
import { registerModels } from './commands/models.js';
import { registerQueue } from './commands/queue.js';
import { registerRatings } from './commands/ratings.js';
import { registerReport } from './commands/report.js';
import { registerResults } from './commands/results.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSim } from './commands/sim.js';
import { registerSpend } from './commands/spend.js';
import { registerStatus } from './commands/status.js';
import { registerWorker } from './commands/worker.js';
import { createRootCommand } from './root-command.js';

/** Builds the `frugal` command tree. Each command module registers its own subcommands. */
export function buildProgram(): Command {
  const program = createRootCommand();
  registerMigrate(program);
  registerModels(program);
  registerSim(program);
  registerEnqueue(program);
  registerWorker(program);
  registerEstimate(program);
  registerBudget(program);
  registerAlerts(program);
  registerStatus(program);
  registerSpend(program);
  registerQueue(program);
  registerJobs(program);
  registerBatches(program);
  registerResults(program);
  registerReport(program);
  registerSchedule(program);
  registerEval(program);
  registerRatings(program);
  registerDemo(program);
  registerDashboard(program);
  return program;
}

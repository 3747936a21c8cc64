import type { Command } from 'commander';
import { createRootCommand } from './root-command.js';

type Register = (program: Command) => void;

/**
 * Commands whose module is loaded only when named, so `frugal budget list` never loads the
 * provider SDKs and `frugal --version` loads nothing. A command missing here still works: its
 * name falls through to the full tree of `buildProgram`.
 */
const LAZY_COMMANDS: Record<string, () => Promise<Register>> = {
  alerts: async () => (await import('./commands/alerts.js')).registerAlerts,
  batches: async () => (await import('./commands/batches.js')).registerBatches,
  budget: async () => (await import('./commands/budget.js')).registerBudget,
  dashboard: async () => (await import('./commands/dashboard.js')).registerDashboard,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  enqueue: async () => (await import('./commands/enqueue.js')).registerEnqueue,
  estimate: async () => (await import('./commands/estimate.js')).registerEstimate,
  eval: async () => (await import('./commands/eval.js')).registerEval,
  jobs: async () => (await import('./commands/jobs.js')).registerJobs,
  migrate: async () => (await import('./commands/migrate.js')).registerMigrate,
  models: async () => (await import('./commands/models.js')).registerModels,
  queue: async () => (await import('./commands/queue.js')).registerQueue,
  ratings: async () => (await import('./commands/ratings.js')).registerRatings,
  report: async () => (await import('./commands/report.js')).registerReport,
  results: async () => (await import('./commands/results.js')).registerResults,
  schedule: async () => (await import('./commands/schedule.js')).registerSchedule,
  sim: async () => (await import('./commands/sim.js')).registerSim,
  spend: async () => (await import('./commands/spend.js')).registerSpend,
  status: async () => (await import('./commands/status.js')).registerStatus,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
};

/** The command tree that `args` (argv without node and script) needs: one command, or all of them. */
export async function loadProgram(args: readonly string[]): Promise<Command> {
  const name = args.find((arg) => !arg.startsWith('-'));
  if (name === undefined && args.some((arg) => arg === '--version' || arg === '-V')) return createRootCommand();
  const load = name === undefined ? undefined : LAZY_COMMANDS[name];
  if (load === undefined) return (await import('./program.js')).buildProgram();
  const program = createRootCommand();
  (await load())(program);
  return program;
}

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from './support/sim-process.js';
import type { BenchFn, BenchRow, BenchSection } from './section.js';

/**
 * CLI start-up: wall time of a command that touches no service, median of a few runs each.
 * `frugal --version` runs the compiled dist/ (bin/frugal.js, as installed); the same through
 * tsx from the TypeScript sources is how the CLI ran before it shipped JavaScript. `node -e ""`
 * is Node's own start, the floor on this machine. Target: well under 500 ms for `--version`.
 */
const RUNS = 7;

function medianMs(args: string[]): number {
  const times: number[] = [];
  // One run first, unmeasured, so file caches are warm for every variant alike.
  execFileSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'ignore' });
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    execFileSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'silent' } });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]!);
}

export const benchStartup: BenchFn = async (): Promise<BenchSection> => {
  const variants = [
    { key: 'startup.nodeMs', name: 'node -e "" (Node alone)', args: ['-e', ''] },
    { key: 'startup.versionMs', name: 'frugal --version (compiled dist/)', args: ['bin/frugal.js', '--version'] },
    // Before: every command started from the sources through tsx with every command module loaded.
    { key: 'startup.beforeMs', name: 'before: any command from sources (tsx, all commands loaded)', args: ['--import', 'tsx', 'src/cli/main.ts', '--help'] },
    { key: 'startup.budgetHelpMs', name: 'frugal budget --help (one command loaded)', args: ['bin/frugal.js', 'budget', '--help'] },
    { key: 'startup.helpMs', name: 'frugal --help (every command loaded)', args: ['bin/frugal.js', '--help'] },
  ];
  const rows: BenchRow[] = [];
  const results: Record<string, number> = {};
  for (const variant of variants) {
    const ms = medianMs(variant.args);
    results[variant.key] = ms;
    rows.push({ name: variant.name, value: ms, unit: 'ms', note: `median of ${RUNS}${variant.key === 'startup.versionMs' ? ', target < 500' : ''}` });
  }
  return { title: 'CLI start-up', rows, results };
};

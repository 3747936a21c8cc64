/**
 * `npm run bench`: every benchmark section in order, one table on stdout, and the figures in
 * bench/results.json (dotted names) and bench/results.md (the table, for the README). Each
 * section makes its own database and BullMQ prefix on the machine's Postgres and Redis, and
 * runs the simulator in its own process; see each bench/<name>.ts for what it measures.
 * `npm run bench -- pipeline cost` runs only the named sections.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/output.js';
import { benchBudget } from './budget.js';
import { benchBudgetStress } from './budget-stress.js';
import { benchCost } from './cost.js';
import { benchMemory } from './memory.js';
import { benchPipeline } from './pipeline.js';
import { benchRateLimit } from './rate-limit.js';
import type { BenchFn, BenchRow } from './section.js';
import { benchSimThroughput } from './sim-throughput.js';
import { benchStartup } from './startup.js';
import { benchTokens } from './tokens.js';

const SECTIONS: Array<{ name: string; label: string; run: BenchFn }> = [
  { name: 'tokens', label: 'tokens', run: benchTokens },
  { name: 'budget', label: 'budget', run: benchBudget },
  { name: 'sim', label: 'simulator', run: benchSimThroughput },
  { name: 'pipeline', label: 'pipeline', run: benchPipeline },
  { name: 'rate-limit', label: 'rate limit', run: benchRateLimit },
  { name: 'cost', label: 'cost', run: benchCost },
  { name: 'budget-stress', label: 'budget stress', run: benchBudgetStress },
  { name: 'memory', label: 'memory', run: benchMemory },
  { name: 'startup', label: 'start-up', run: benchStartup },
];

interface TableRow extends BenchRow {
  section: string;
}

const only = process.argv.slice(2);
const unknown = only.filter((name) => !SECTIONS.some((s) => s.name === name));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')})\n`);
  process.exit(2);
}

const startedAt = new Date();
const busy = await machineBusyShare(2_000);
process.stderr.write(`bench: ${cpus().length} cores, ${(busy * 100).toFixed(0)} % busy with other work before the run\n`);
const rows: TableRow[] = [];
const results: Record<string, number | string> = {};
let failures = 0;
for (const section of SECTIONS) {
  if (only.length > 0 && !only.includes(section.name)) continue;
  const started = performance.now();
  process.stderr.write(`bench: ${section.name}…\n`);
  try {
    const outcome = await section.run();
    for (const row of outcome.rows) rows.push({ section: section.label, ...row });
    Object.assign(results, outcome.results);
  } catch (error) {
    failures++;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
    rows.push({ section: section.label, name: 'FAILED', value: '-', unit: '', note: message });
    process.stderr.write(`bench: ${section.name} failed: ${message}\n`);
  }
  process.stderr.write(`bench: ${section.name} took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}
const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
results['meta.startedAt'] = startedAt.toISOString();
results['meta.seconds'] = seconds;
results['meta.cores'] = cpus().length;
results['meta.machineBusyBeforePercent'] = Math.round(busy * 100);
results['meta.node'] = process.version;

const columns = [
  { header: 'section', value: (r: TableRow) => r.section },
  { header: 'figure', value: (r: TableRow) => r.name },
  { header: 'value', value: (r: TableRow) => String(r.value), align: 'right' as const },
  { header: 'unit', value: (r: TableRow) => r.unit },
  { header: 'note / target', value: (r: TableRow) => r.note ?? '' },
];
process.stdout.write(`${formatTable(rows, columns)}\n`);
const footer = `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${seconds} s, ${cpus().length} cores (${Math.round(busy * 100)} % busy with other work before the run), Node ${process.version}`;
process.stdout.write(`\n${footer}\n`);

const here = fileURLToPath(new URL('.', import.meta.url));
if (only.length === 0) {
  writeFileSync(`${here}results.json`, `${JSON.stringify(results, null, 2)}\n`);
  const escape = (text: string): string => text.replaceAll('|', '\\|');
  const markdown = [
    '| section | figure | value | unit | note / target |',
    '| --- | --- | ---: | --- | --- |',
    ...rows.map((r) => `| ${escape(r.section)} | ${escape(r.name)} | ${escape(String(r.value))} | ${escape(r.unit)} | ${escape(r.note ?? '')} |`),
    '',
    footer,
    '',
  ].join('\n');
  writeFileSync(`${here}results.md`, markdown);
}
process.exitCode = failures > 0 ? 1 : 0;

/** Share of the machine's CPU time used (by anything) over `ms`, from /proc/stat; 0 where unavailable. */
async function machineBusyShare(ms: number): Promise<number> {
  const read = (): { busy: number; total: number } | undefined => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    } catch {
      return undefined;
    }
  };
  const before = read();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = read();
  if (!before || !after || after.total === before.total) return 0;
  return (after.busy - before.busy) / (after.total - before.total);
}

import { formatDollars } from '../pricing/money.js';
import type { QualityFigures, ReportFigures, ReportSummary, SpendRow } from './report-figures.js';
import { svgDataUri } from './render-spend-chart.js';
import { explainNegativeSaving } from './explain-negative-saving.js';

export interface RenderReportInput {
  title: string;
  figures: ReportFigures;
  summary: ReportSummary;
  chartSvg: string;
  generatedAt: Date;
}

/** The report as a Markdown document, the spend chart embedded as an SVG data: URI. */
export function renderReportMarkdown(input: RenderReportInput): string {
  const { figures: f, summary } = input;
  const lines: string[] = [];
  lines.push(`# ${input.title}`, '');
  lines.push(`Covers ${f.date} 00:00 to 24:00 in ${f.tz} (${f.from} to ${f.to}). Generated ${input.generatedAt.toISOString()}.`, '');

  lines.push('## Executive summary', '');
  if (summary.status === 'written') {
    lines.push(summary.text!.trim(), '');
    lines.push(`_Written by ${summary.model} through frugal's own pipeline (job \`${summary.jobId}\`) for ${formatDollars(summary.costMicros)}._`, '');
  } else {
    lines.push(`_No executive summary: ${summary.reason ?? 'none was asked for'}._`, '');
  }

  lines.push('## At a glance', '');
  lines.push(`- **Spent:** ${formatDollars(f.spend.totalMicros)} on ${count(f.spend.calls, 'call')}.`);
  lines.push(
    `- **Jobs:** ${f.jobs.completed} completed, ${f.jobs.failed} failed, ${f.jobs.cancelled} cancelled; ${f.jobs.waitingForBudget} waiting for budget now` +
      (f.jobs.partsCompleted > 0 ? `; ${count(f.jobs.partsCompleted, 'part')} of long documents completed.` : '.'),
  );
  lines.push(
    `- **Estimated versus actual:** estimated ${formatDollars(f.estimate.estimatedMicros)}, actual ${formatDollars(f.estimate.actualMicros)} over ${count(f.estimate.calls, 'settled call')}` +
      (f.estimate.errorPercent === null ? '.' : ` (${signed(f.estimate.errorPercent)}%).`),
  );
  lines.push(
    `- **Against the premium model alone:** the same work would have cost ${formatDollars(f.premium.equivalentMicros)}; ` +
      (f.premium.savingMicros >= 0 ? `routing saved ${formatDollars(f.premium.savingMicros)}` : `routing cost ${formatDollars(-f.premium.savingMicros)} more`) +
      (f.premium.savingPercent === null ? '.' : ` (${f.premium.savingPercent}%).`) +
      (explainNegativeSaving(f.premium) ? ` ${explainNegativeSaving(f.premium)}` : ''),
  );
  lines.push(`- **Alerts:** ${f.alerts.length === 0 ? 'none' : f.alerts.length}.`);
  if (summary.status === 'written') lines.push(`- **This report's summary:** ${formatDollars(summary.costMicros)} (charged when it was written).`);
  lines.push('');

  lines.push(`![Spend by model and by job kind](${svgDataUri(input.chartSvg)})`, '');

  lines.push('## Spend by budget', '', ...spendTable('Budget', f.spend.byBudget), '');
  if (f.spend.byBudget.length > 0) lines.push('_A call charged to several budgets counts under each._', '');
  lines.push('## Spend by model', '', ...spendTable('Model', f.spend.byModel), '');
  lines.push('## Spend by job kind', '', ...spendTable('Kind', f.spend.byKind), '');

  lines.push('## Jobs', '');
  if (f.jobs.byKind.length === 0) lines.push('No job finished this day.');
  else lines.push(...table(['Kind', 'Completed', 'Failed'], f.jobs.byKind.map((k) => [k.kind, String(k.completed), String(k.failed)]), [false, true, true]));
  lines.push('');

  lines.push('## Estimated versus actual cost', '');
  if (f.estimate.byModel.length === 0) lines.push('No settled call this day.');
  else {
    lines.push(
      ...table(
        ['Model', 'Calls', 'Estimated', 'Actual', 'Error'],
        [
          ...f.estimate.byModel.map((m) => [m.model, String(m.calls), formatDollars(m.estimatedMicros), formatDollars(m.actualMicros), percent(m.errorPercent)]),
          ['**Total**', String(f.estimate.calls), formatDollars(f.estimate.estimatedMicros), formatDollars(f.estimate.actualMicros), percent(f.estimate.errorPercent)],
        ],
        [false, true, true, true, true],
      ),
    );
  }
  lines.push('');

  lines.push('## Against the premium model alone', '');
  if (f.premium.byKind.length === 0) lines.push('Nothing was spent this day.');
  else {
    lines.push(
      ...table(
        ['Kind', 'Premium model', 'Actual', 'On premium', 'Saving'],
        f.premium.byKind.map((k) => [k.kind, k.premiumModel ?? '—', formatDollars(k.actualMicros), formatDollars(k.equivalentMicros), formatDollars(k.equivalentMicros - k.actualMicros)]),
        [false, false, true, true, true],
      ),
      '',
      "_Each settled call's reported tokens re-priced on the cheapest premium-rated model for its kind; a premium model's tokenizer may count more tokens, so the saving is a lower bound._",
    );
  }
  lines.push('');

  if (f.quality) lines.push(...qualitySection(f.quality), '');

  lines.push('## Alerts raised', '');
  if (f.alerts.length === 0) lines.push('None.');
  else {
    lines.push(
      ...table(
        ['Time', 'Budget', 'Threshold', 'Spent', 'Limit', 'Kind'],
        f.alerts.map((a) => [a.createdAt.slice(11, 19), a.budgetName, a.threshold === 0 ? 'exhausted' : `${a.threshold}%`, formatDollars(a.spentMicros), formatDollars(a.limitMicros), a.hard ? 'hard' : 'soft']),
        [false, false, true, true, true, false],
      ),
    );
  }
  lines.push('');
  return lines.join('\n');
}

function qualitySection(q: QualityFigures): string[] {
  const out = ['## Quality', ''];
  if (q.agreement.length === 0) out.push('No eval has run yet (`frugal eval --kind K`).');
  else {
    out.push(
      ...table(
        ['Kind', 'Model', 'Agreement', '95 % interval', 'Items', 'Reference'],
        q.agreement.map((a) => [a.kind, a.model, pct(a.agreement), `${pct(a.lower)}–${pct(a.upper)}`, String(a.items), a.reference]),
        [false, false, true, true, true, false],
      ),
      '',
      '_Agreement with the reference model\'s answers, not with the truth._',
    );
  }
  out.push('');
  if (q.learnedRouting === null) out.push('- **Routed on learned ratings:** none are in force; the catalog decided every route.');
  else {
    out.push(
      `- **Routed on learned ratings:** the day's ${q.learnedRouting.calls} settled job call(s) cost ${formatDollars(q.learnedRouting.actualMicros)}; re-priced on the cheapest model whose rating in force meets each job's tier, ${formatDollars(q.learnedRouting.learnedMicros)}.`,
    );
  }
  out.push(`- **Eval and judge calls:** ${formatDollars(q.evalSpend.evalMicros)} on answers and ${formatDollars(q.evalSpend.judgeMicros)} on judgments (${q.evalSpend.calls} call(s)), not counted in the spend above.`);
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function spendTable(what: string, rows: readonly SpendRow[]): string[] {
  if (rows.length === 0) return ['Nothing was spent this day.'];
  return table(
    [what, 'Spent', 'Calls', 'Input tokens', 'Output tokens', 'of which reasoning'],
    rows.map((r) => [
      r.key,
      formatDollars(r.spentMicros),
      String(r.calls),
      r.inputTokens.toLocaleString('en-US'),
      r.outputTokens.toLocaleString('en-US'),
      // Figures stored before the column existed have none.
      (r.reasoningTokens ?? 0).toLocaleString('en-US'),
    ]),
    [false, true, true, true, true, true],
  );
}

function table(headers: string[], rows: string[][], right: boolean[]): string[] {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

function percent(value: number | null): string {
  return value === null ? '—' : `${signed(value)}%`;
}

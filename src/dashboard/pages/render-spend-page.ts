import type { SpendView } from '../dashboard-data.js';
import { html, type SafeHtml } from '../safe-html.js';
import { count, dollars } from './format.js';

export const SPEND_PAGE_GROUPS = ['model', 'kind', 'budget'] as const;

export function renderSpendPage(view: SpendView, query: string): SafeHtml {
  const r = view.report;
  const perDay = new Map<string, number>();
  for (const cell of view.daily) perDay.set(cell.day, (perDay.get(cell.day) ?? 0) + cell.spentMicros);
  const dayTotal = (day: string) => (r.by === 'budget' ? undefined : (perDay.get(day) ?? 0));
  return html`
<form method="get" action="/spend">
  <label>from <input name="since" value="${r.since}" size="10"></label>
  <label>to <input name="until" value="${r.until}" size="10"></label>
  <label>by <select name="by">${SPEND_PAGE_GROUPS.map((g) => html`<option value="${g}"${g === r.by ? html` selected` : ''}>${g}</option>`)}</select></label>
  <label>zone <input name="tz" value="${r.tz}" size="16"></label>
  <button type="submit">show</button>
</form>
<p>Spent <strong data-field="total">${dollars(r.totalMicros)}</strong> on <span data-field="calls">${count(r.calls)}</span> call(s), ${r.since === r.until ? r.since : `${r.since} to ${r.until}`} (${r.tz}) — the figures of <code>frugal spend --by ${r.by} --since ${r.since} --until ${r.until} --tz ${r.tz}</code>.</p>
<img class="chart" src="/spend/chart.svg?${query}" alt="spend per day by ${r.by}">

<h2>By ${r.by}</h2>
${
  r.rows.length === 0
    ? html`<p class="muted">Nothing spent.</p>`
    : html`<table id="spend-rows"><tr><th>${r.by}</th><th class="num">Spent</th><th class="num">Calls</th><th class="num">Input tokens</th><th class="num">Output tokens</th></tr>
${r.rows.map((row) => html`<tr data-key="${row.key}"><td>${row.key}</td><td class="num" data-field="spent">${dollars(row.spentMicros)}</td><td class="num" data-field="calls">${count(row.calls)}</td><td class="num">${count(row.inputTokens)}</td><td class="num">${count(row.outputTokens)}</td></tr>`)}
</table>${r.by === 'budget' ? html`<p class="muted">A call charged to several budgets counts under each.</p>` : ''}`
}

<h2>By day</h2>
<table id="spend-days"><tr><th>Day (${r.tz})</th>${r.by === 'budget' ? '' : html`<th class="num">Spent</th>`}<th>Split by ${r.by}</th></tr>
${view.days.map((day) => {
  const cells = view.daily.filter((c) => c.day === day);
  const total = dayTotal(day);
  return html`<tr data-day="${day}"><td>${day}</td>${total === undefined ? '' : html`<td class="num" data-field="spent">${dollars(total)}</td>`}<td>${cells.length === 0 ? html`<span class="muted">-</span>` : cells.map((c) => html`${c.key} ${dollars(c.spentMicros)}; `)}</td></tr>`;
})}
</table>

<h2>Estimated against actual, per model</h2>
${
  view.estimates.length === 0
    ? html`<p class="muted">No settled calls with reported usage.</p>`
    : html`<table id="estimates"><tr><th>Model</th><th class="num">Calls</th><th class="num">Estimated</th><th class="num">Actual</th><th class="num">Actual / estimated</th></tr>
${view.estimates.map(
  (e) => html`<tr data-model="${e.model}"><td>${e.model}</td><td class="num">${count(e.calls)}</td><td class="num">${dollars(e.estimatedMicros)}</td><td class="num">${dollars(e.actualMicros)}</td><td class="num">${e.estimatedMicros > 0 ? `${Math.round((e.actualMicros * 100) / e.estimatedMicros)}%` : '-'}</td></tr>`,
)}</table>`
}
`;
}

import type { Overview } from '../dashboard-data.js';
import { html, type SafeHtml } from '../safe-html.js';
import { count, dollars, when } from './format.js';
import type { PageContext } from './render-layout.js';

export function renderOverviewPage(page: PageContext, o: Overview): SafeHtml {
  const c = o.queue.counts;
  const waitingJobs = o.waitingForBudget.reduce((sum, w) => sum + w.jobs, 0);
  const budgets =
    o.budgets.length === 0
      ? html`<p class="muted">No budgets yet: <code>frugal budget set NAME --limit 25 --period day</code>.</p>`
      : html`<table id="budgets">
<tr><th>Budget</th><th>Period (its own zone)</th><th class="num">Spent</th><th class="num">Reserved</th><th class="num">Limit</th><th class="num">Remaining</th><th>Used</th><th>Alerts</th><th>State</th></tr>
${o.budgets.map((b) => {
  const crossed = new Set(o.alertMarks.get(b.name) ?? []);
  const used = b.limitMicros > 0 ? Math.floor(((b.spentMicros + b.reservedMicros) * 100) / b.limitMicros) : 0;
  return html`<tr data-budget="${b.name}">
<td>${b.name}</td>
<td>${b.period === 'total' ? 'all time' : html`${b.period} from ${when(b.periodStart, b.tz)}`}</td>
<td class="num" data-field="spent">${dollars(b.spentMicros)}</td>
<td class="num" data-field="reserved">${dollars(b.reservedMicros)}</td>
<td class="num" data-field="limit">${dollars(b.limitMicros)}</td>
<td class="num" data-field="remaining">${dollars(b.remainingMicros)}</td>
<td><meter min="0" max="${b.limitMicros}" value="${Math.min(b.limitMicros, b.spentMicros + b.reservedMicros)}" high="${Math.floor(b.limitMicros * 0.8)}"></meter> ${used}%</td>
<td>${b.thresholds.length === 0 ? html`<span class="muted">none</span>` : b.thresholds.map((t) => (crossed.has(t) ? html`<span class="bad" title="crossed this period">${t}%&#10003;</span> ` : html`<span class="muted">${t}%</span> `))}</td>
<td>${b.exhausted ? html`<span class="bad">exhausted</span>` : b.hard ? 'hard' : 'soft'}</td>
</tr>`;
})}
</table>`;

  return html`
<div class="cards">
  <div class="card"><div class="muted">queue ${o.queue.paused ? html`<span class="warn">paused</span>` : ''}</div><div class="figure" data-field="queue-waiting">${count((c.waiting ?? 0) + (c.prioritized ?? 0))}</div>waiting · ${count(c.active ?? 0)} active · ${count(c.delayed ?? 0)} delayed · ${count(c.failed ?? 0)} failed · ${count(o.queue.workers)} worker(s)</div>
  <div class="card"><div class="muted">calls in flight</div><div class="figure">${count(o.inFlight.calls)}</div>holding ${dollars(o.inFlight.reservedMicros)}</div>
  <div class="card"><div class="muted">in vendor batches</div><div class="figure" data-field="batch-calls">${count(o.inFlight.batch.calls)}</div>holding <span data-field="batch-reserved">${dollars(o.inFlight.batch.reservedMicros)}</span> (<a href="/batches">batches</a>)</div>
  <div class="card"><div class="muted">waiting for budget</div><div class="figure" data-field="waiting-budget">${count(waitingJobs)}</div>job(s)</div>
  <div class="card"><div class="muted">in open vendor batches</div><div class="figure">-</div><span class="muted">batch mode has not landed yet</span></div>
  <div class="card"><div class="muted">unacknowledged alerts</div><div class="figure" data-field="unacked">${count(o.unacknowledged.length)}</div></div>
</div>

<h2>Budgets in their current period</h2>
${budgets}

<h2>Jobs waiting for budget</h2>
${
  o.waitingForBudget.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table id="waiting"><tr><th>Budget</th><th class="num">Jobs</th><th>Until (room may appear)</th></tr>${o.waitingForBudget.map(
        (w) => html`<tr data-budget="${w.budget}"><td>${w.budget}</td><td class="num">${count(w.jobs)}</td><td>${when(w.until, page.tz)}</td></tr>`,
      )}</table>`
}

<h2>Providers</h2>
<table id="providers"><tr><th>Provider</th><th>State</th><th>Until</th><th>Why</th></tr>
${o.providers.map(
  (p) => html`<tr data-provider="${p.provider}"><td>${p.provider}</td><td class="${p.state === 'ok' ? 'ok' : p.state === 'unconfigured' ? 'muted' : 'warn'}">${p.state === 'unconfigured' ? 'not configured' : p.state}</td><td>${when(p.until, page.tz)}</td><td class="muted">${p.reason ?? ''}</td></tr>`,
)}
</table>

<h2>Unacknowledged alerts</h2>
${
  o.unacknowledged.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table id="alerts"><tr><th class="num">#</th><th>Budget</th><th class="num">Threshold</th><th class="num">Spent</th><th class="num">Limit</th><th>When</th><th>Delivery</th><th></th></tr>${o.unacknowledged.map(
        (a) => html`<tr><td class="num">${a.id}</td><td>${a.budgetName}</td><td class="num">${a.threshold}%</td><td class="num">${dollars(a.spentMicros)}</td><td class="num">${dollars(a.limitMicros)}</td><td>${when(a.createdAt, page.tz)}</td><td>${a.delivery}</td>
<td>${page.authenticated ? html`<form class="inline" method="post" action="/alerts/${a.id}/ack"><button type="submit">acknowledge</button></form>` : ''}</td></tr>`,
      )}</table>`
}
`;
}

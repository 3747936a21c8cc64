import type { JobListRow, JobView } from '../dashboard-data.js';
import { html, type SafeHtml } from '../safe-html.js';
import { count, dollars, when } from './format.js';
import type { PageContext } from './render-layout.js';

export const JOB_STATUSES = ['queued', 'waiting_budget', 'completed', 'failed', 'cancelled'] as const;

export function renderJobsPage(page: PageContext, rows: JobListRow[], status: string | undefined, paused: boolean): SafeHtml {
  return html`
<p>Queues in detail: <a href="/queues">Bull Board</a> (read-only: its own retry and remove would bypass frugal's records and reservations; act here instead).</p>
<p>Intake queue: ${paused ? html`<span class="warn">paused</span>` : html`<span class="ok">running</span>`}
${page.authenticated ? html`<form class="inline" method="post" action="/queue/${paused ? 'resume' : 'pause'}"><button type="submit">${paused ? 'resume' : 'pause'} every worker</button></form>` : ''}</p>
<p class="filters">${[undefined, ...JOB_STATUSES].map((s) => html`<a href="/jobs${s ? `?status=${s}` : ''}"${s === status ? html` class="active"` : ''}>${s ?? 'all'}</a>`)}</p>
${
  rows.length === 0
    ? html`<p class="muted">No jobs${status ? ` with status ${status}` : ''}.</p>`
    : html`<table id="jobs"><tr><th>Job</th><th>Kind</th><th>Tier</th><th>Status</th><th>Model</th><th class="num">Cost</th><th>Updated</th><th>Why</th></tr>
${rows.map(
  (j) => html`<tr data-job="${j.jobId}"><td><a href="/jobs/${encodeURIComponent(j.jobId)}">${j.jobId}</a></td><td>${j.kind}</td><td>${j.tier}</td><td class="${j.status === 'failed' ? 'bad' : j.status === 'waiting_budget' ? 'warn' : ''}">${j.status}</td><td>${j.model ?? '-'}</td><td class="num">${dollars(j.costMicros)}</td><td>${when(j.updatedAt, page.tz)}</td><td class="muted">${truncate(j.error ?? '', 120)}</td></tr>`,
)}</table><p class="muted">Newest 100; the parts of long documents are shown on their document's page.</p>`
}`;
}

export function renderJobPage(page: PageContext, job: JobView, flash: string | undefined): SafeHtml {
  const canRetry = job.status === 'failed' || job.queueState === 'failed';
  const canCancel = job.status === 'queued' || job.status === 'waiting_budget';
  const actions = page.authenticated
    ? html`${canRetry ? html`<form class="inline" method="post" action="/jobs/${encodeURIComponent(job.jobId)}/retry"><button class="primary" type="submit" id="retry">retry</button></form> ` : ''}${canCancel ? html`<form class="inline" method="post" action="/jobs/${encodeURIComponent(job.jobId)}/cancel"><button type="submit" id="cancel">cancel</button></form>` : ''}`
    : html`<span class="muted">${page.tokenConfigured ? html`<a id="sign-in" href="/login?next=${encodeURIComponent(`/jobs/${job.jobId}`)}">sign in</a> to retry or cancel` : 'set FRUGAL_DASHBOARD_TOKEN to retry or cancel from here'}</span>`;
  const spent = job.calls.filter((c) => c.status === 'settled' || c.status === 'closed_as_spent').reduce((sum, c) => sum + (c.costMicros ?? 0), 0);
  return html`
${flash ? html`<div class="notice" id="flash">${flash}</div>` : ''}
<table id="job">
<tr><th>Status</th><td data-field="status">${job.status}${job.queueState ? html` <span class="muted">(queue: ${job.queueState})</span>` : ''}</td></tr>
<tr><th>Kind · tier</th><td>${job.kind} · ${job.tier}</td></tr>
<tr><th>Budgets</th><td>${job.budgets.length ? job.budgets.join(', ') : html`<span class="muted">none named</span>`}</td></tr>
${job.source ? html`<tr><th>Source</th><td>${job.source}</td></tr>` : ''}
${job.parentId ? html`<tr><th>Part of</th><td><a href="/jobs/${encodeURIComponent(job.parentId)}">${job.parentId}</a></td></tr>` : ''}
${job.waitingBudget ? html`<tr><th>Waiting for</th><td>budget ${job.waitingBudget} until ${when(job.waitUntil, page.tz)}</td></tr>` : ''}
<tr><th>Created · finished</th><td>${when(job.createdAt, page.tz)} · ${when(job.finishedAt, page.tz)}</td></tr>
${job.error ? html`<tr><th>Why</th><td class="bad">${job.error}</td></tr>` : ''}
<tr><th>Spent</th><td data-field="spent">${dollars(spent)} on ${count(job.calls.length)} call(s)</td></tr>
</table>
<p>${actions}</p>

<h2>Route</h2>
${
  job.route === null
    ? html`<p class="muted">Not routed yet.</p>`
    : html`<p>Chosen: <strong>${job.route.modelId ?? 'none'}</strong>${job.route.blockedByBudget ? html` <span class="warn">(every qualified model blocked by budget)</span>` : ''} · mode: ${job.route.mode ?? 'sync'}</p>
<table id="route"><tr><th>Candidate</th><th>Provider</th><th>Mode</th><th class="num">Expected</th><th class="num">Maximum</th><th>Why it lost</th></tr>
${job.route.candidates.map(
  (c) => html`<tr data-model="${c.modelId}"><td>${c.modelId}</td><td>${c.provider}</td><td>${c.mode ?? 'sync'}</td><td class="num">${c.floorOnly ? '≥ ' : ''}${dollars(c.expectedCostMicros)}</td><td class="num">${c.floorOnly ? '-' : dollars(c.maxCostMicros)}</td><td>${c.lost ?? html`<span class="ok">chosen</span>`}</td></tr>`,
)}</table>`
}

<h2>Calls</h2>
${
  job.calls.length === 0
    ? html`<p class="muted">No provider call yet.</p>`
    : html`<table id="calls"><tr><th>Started</th><th>Job (part)</th><th class="num">Attempt.seq</th><th>Model</th><th>Status</th><th class="num">Estimated</th><th class="num">Reserved</th><th class="num">Cost</th><th class="num">Tokens in / out</th><th>Error</th></tr>
${job.calls.map(
  (c) => html`<tr><td>${when(c.startedAt, page.tz)}</td><td>${c.jobId === job.jobId ? '' : c.jobId.slice(job.jobId.length + 1)}</td><td class="num">${c.attempt}.${c.seq}</td><td>${c.model}</td><td>${c.status}</td><td class="num">${dollars(c.estCostMicros)}</td><td class="num">${dollars(c.reservedMicros)}</td><td class="num">${dollars(c.costMicros)}</td><td class="num">${c.inputTokens === null ? '-' : count(c.inputTokens)} / ${c.outputTokens === null ? '-' : count(c.outputTokens)}</td><td class="muted">${c.error ?? ''}</td></tr>`,
)}</table>`
}

<h2>Answer</h2>
${
  job.result === null
    ? html`<p class="muted">No answer stored.</p>`
    : html`<p>By ${job.result.model}, ${dollars(job.result.costMicros)} over ${count(job.result.calls)} call(s).</p><pre class="answer" id="answer">${job.result.json === null || job.result.json === undefined ? job.result.text : JSON.stringify(job.result.json, null, 2)}</pre>`
}`;
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

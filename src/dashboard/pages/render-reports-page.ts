import type { StoredReport } from '../dashboard-data.js';
import { renderReportMarkdown } from '../render-markdown.js';
import { html, SafeHtml } from '../safe-html.js';
import { when } from './format.js';
import type { PageContext } from './render-layout.js';

export function renderReportsPage(page: PageContext, reports: Array<Omit<StoredReport, 'markdown' | 'chartSvg'>>): SafeHtml {
  if (reports.length === 0) return html`<p class="muted">No stored reports yet: <code>frugal report</code> makes one, <code>frugal schedule report</code> makes them nightly.</p>`;
  return html`<table id="reports"><tr><th>Day</th><th>Zone</th><th>Title</th><th>Written</th></tr>
${reports.map((r) => html`<tr><td><a href="/reports/${r.id}">${r.day}</a></td><td>${r.tz}</td><td>${r.title}</td><td>${when(r.createdAt, page.tz)}</td></tr>`)}
</table>`;
}

export function renderReportPage(report: StoredReport): SafeHtml {
  // markdown-it escapes every text it renders and, with html off, all raw HTML too.
  return html`<p><a href="/reports">all reports</a> · ${report.day} (${report.tz})</p><article class="report" id="report">${new SafeHtml(renderReportMarkdown(report.markdown, `/reports/${report.id}/chart.svg`))}</article>`;
}

import type { ProviderBatchRow } from '../../batch/list-provider-batches.js';
import { html, type SafeHtml } from '../safe-html.js';
import { dollars, when } from './format.js';
import type { PageContext } from './render-layout.js';

/** Open and recent provider batches — the rows of `frugal batches --json`. */
export function renderBatchesPage(page: PageContext, list: { batches: ProviderBatchRow[]; collecting: number }): SafeHtml {
  const reserved = list.batches.reduce((sum, b) => sum + b.reservedMicros, 0);
  const intro = html`<p class="muted">Calls routed to vendors' batch APIs (deadline-tolerant jobs, half price). <span id="collecting">${list.collecting}</span> call(s) still collecting; <span data-field="batch-reserved">${dollars(reserved)}</span> reserved in the batches below.</p>`;
  if (list.batches.length === 0) return html`${intro}<p class="muted" id="no-batches">No open or recent provider batches: jobs with a deadline of a day or more (<code>frugal enqueue --deadline 24h</code>) go through them.</p>`;
  return html`${intro}<table id="batches"><tr><th>Batch</th><th>Vendor</th><th>Model</th><th>State</th><th class="num">Requests</th><th class="num">Done</th><th class="num">Failed</th><th class="num">Pending</th><th class="num">Reserved</th><th class="num">Spent</th><th class="num">Saved</th><th>Created</th><th>Earliest deadline</th></tr>
${list.batches.map(
  (b) =>
    html`<tr data-batch="${b.id}"><td>${b.id}</td><td>${b.provider}</td><td>${b.model}</td><td>${b.state}${b.cancelRequested ? ' (cancel requested)' : ''}</td><td class="num">${b.requests}</td><td class="num">${b.done}</td><td class="num">${b.failed}</td><td class="num">${b.pending}</td><td class="num">${dollars(b.reservedMicros)}</td><td class="num">${dollars(b.spentMicros)}</td><td class="num">${dollars(b.savedMicros)}</td><td>${when(new Date(b.createdAt), page.tz)}</td><td>${b.earliestDeadline ? when(new Date(b.earliestDeadline), page.tz) : '-'}</td></tr>`,
)}
</table>`;
}

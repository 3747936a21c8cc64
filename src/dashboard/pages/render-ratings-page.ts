import type { RatingsRow } from '../../cli/commands/ratings.js';
import { html, type SafeHtml } from '../safe-html.js';

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

/** Catalog against learned ratings per model and kind, with their evidence — the rows of `frugal ratings --json`. */
export function renderRatingsPage(rows: readonly RatingsRow[]): SafeHtml {
  const learned = rows.filter((r) => r.evidence !== null).length;
  return html`<p class="muted">Ratings in force per model and kind. Learned ratings come from <code>frugal eval</code> (agreement with the reference model, not with the truth) and are in force only once applied (<code>frugal ratings apply</code>); ${learned === 0 ? 'no eval evidence yet: every rating is the catalog’s.' : `${learned} model × kind pair(s) have eval evidence.`}</p>
<table id="ratings"><tr><th>Model</th><th>Kind</th><th>Catalog</th><th>File</th><th>Learned</th><th>Evidence</th><th>In force</th></tr>
${rows.map(
  (r) =>
    html`<tr data-model="${r.model}" data-kind="${r.kind}"><td>${r.model}</td><td>${r.kind}</td><td>${r.catalog}</td><td>${r.file ?? ''}</td><td>${r.learned ?? ''}</td><td>${
      r.evidence ? `${percent(r.evidence.agreement)} (${percent(r.evidence.lower)}–${percent(r.evidence.upper)}) of ${r.evidence.items}` : ''
    }</td><td data-field="in-force">${r.inForce} (${r.source})</td></tr>`,
)}
</table>`;
}

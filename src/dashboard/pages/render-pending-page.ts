import { html, type SafeHtml } from '../safe-html.js';

/** Batches and Ratings: honest about features that have not landed in this build. */
export function renderPendingPage(what: 'batches' | 'ratings'): SafeHtml {
  return what === 'batches'
    ? html`<div class="notice" id="pending">Batch mode (vendor batch APIs, deadlines) has not landed in this build: there are no provider batches to show and no money is held in them. This page will list open batches, their calls and reserved money once it lands.</div>`
    : html`<div class="notice" id="pending">Learned ratings (frugal eval) have not landed in this build: every model routes on its catalog ratings (<code>frugal models</code>). This page will compare catalog and learned ratings with their evidence once they land.</div>`;
}

import { html, type SafeHtml } from '../safe-html.js';

/** Batches: honest about a feature that has not landed in this build. */
export function renderPendingPage(): SafeHtml {
  return html`<div class="notice" id="pending">Batch mode (vendor batch APIs, deadlines) has not landed in this build: there are no provider batches to show and no money is held in them. This page will list open batches, their calls and reserved money once it lands.</div>`;
}

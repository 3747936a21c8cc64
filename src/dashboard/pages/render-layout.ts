import { html, type SafeHtml } from '../safe-html.js';

export interface PageContext {
  /** Signed in with the token (cookie or Bearer): actions are offered. */
  authenticated: boolean;
  /** A token is configured at all (otherwise there is no login). */
  tokenConfigured: boolean;
  /** The zone dates are shown in. */
  tz: string;
  /** What this dashboard reads: `database · prefix` (no password). */
  source: string;
}

const NAV = [
  ['/', 'Overview'],
  ['/spend', 'Spend'],
  ['/jobs', 'Jobs'],
  ['/queues', 'Queues'],
  ['/batches', 'Batches'],
  ['/ratings', 'Ratings'],
  ['/reports', 'Reports'],
] as const;

/** The page frame: navigation, who is signed in, and the body. No script anywhere. */
export function renderLayout(page: PageContext, title: string, active: string, body: SafeHtml): string {
  const who = page.authenticated
    ? html`signed in · <form class="inline" method="post" action="/logout"><button type="submit">sign out</button></form>`
    : page.tokenConfigured
      ? html`read-only · <a href="/login">sign in</a> to act`
      : html`read-only (set FRUGAL_DASHBOARD_TOKEN to enable actions)`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · frugal</title>
<link rel="stylesheet" href="/static/dashboard.css">
</head>
<body>
<header>
  <span class="brand">frugal</span>
  <nav>${NAV.map(([href, label]) => html`<a href="${href}"${label === active ? html` class="active"` : ''}>${label}</a>`)}</nav>
  <span class="who">${page.source} · ${who}</span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.value;
}

/** The page shown instead of a stack trace. */
export function renderProblem(page: PageContext, title: string, message: string, hint: string | undefined, status: string): string {
  return renderLayout(page, title, '', html`<div class="error" data-status="${status}"><strong>${message}</strong>${hint ? html`<br>${hint}` : ''}</div><p><a href="/">back to the overview</a></p>`);
}

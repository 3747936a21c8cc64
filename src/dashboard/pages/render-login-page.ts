import { html, type SafeHtml } from '../safe-html.js';

export function renderLoginPage(next: string, failed: boolean): SafeHtml {
  return html`${failed ? html`<div class="error" id="login-failed">That is not the dashboard token.</div>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="next" value="${next}">
  <label>Dashboard token (FRUGAL_DASHBOARD_TOKEN) <input type="password" name="token" autocomplete="current-password" autofocus></label>
  <button class="primary" type="submit">sign in</button>
</form>`;
}

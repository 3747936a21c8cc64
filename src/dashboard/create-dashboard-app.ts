import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { FrugalError, InputError } from '../errors.js';
import { checkTimeZone } from '../reports/report-day.js';
import { DASHBOARD_CSS } from './dashboard-css.js';
import { SESSION_COOKIE, type DashboardAccess } from './dashboard-access.js';
import type { DashboardData } from './dashboard-data.js';
import type { DailySpendGroup } from './query-daily-spend.js';
import type { GlobalMetrics } from './global-metrics.js';
import { addHealthRoutes } from './health-routes.js';
import { renderDailySpendChart } from './render-daily-spend-chart.js';
import { JOB_STATUSES, renderJobPage, renderJobsPage } from './pages/render-jobs-page.js';
import { renderLayout, renderProblem, type PageContext } from './pages/render-layout.js';
import { renderLoginPage } from './pages/render-login-page.js';
import { renderOverviewPage } from './pages/render-overview-page.js';
import { renderBatchesPage } from './pages/render-batches-page.js';
import { listProviderBatches } from '../batch/list-provider-batches.js';
import { loadCatalog } from '../pricing/load-catalog.js';
import { renderRatingsPage } from './pages/render-ratings-page.js';
import { collectRatings } from '../cli/commands/ratings.js';
import { renderReportPage, renderReportsPage } from './pages/render-reports-page.js';
import { SPEND_PAGE_GROUPS, renderSpendPage } from './pages/render-spend-page.js';

export interface DashboardAppOptions {
  /** Zone the pages show dates in and the Spend page's days begin in, unless `?tz=` says otherwise. */
  tz: string;
  /** Shown in the header: which database and queue prefix this dashboard reads. */
  source: string;
}

type Env = { Variables: { page: PageContext; bearer: boolean } };

// Bull Board's prebuilt UI, wherever npm put the package.
const BULL_BOARD_UI = dirname(createRequire(import.meta.url).resolve('@bull-board/ui/package.json'));

// frugal's own pages run no script at all; Bull Board's UI needs its own scripts and inline styles.
const PAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const BOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'";

const OPEN_PATHS = new Set(['/healthz', '/readyz', '/login', '/static/dashboard.css']);

/**
 * The dashboard: frugal's pages (server-rendered, escaped, script-free), Bull Board mounted
 * read-only under /queues, /metrics, and the health checks. Hono was picked over Fastify for its
 * size (no dependencies), its Web-standard Request/Response handlers that test without a server,
 * and a maintained Bull Board adapter.
 */
export async function createDashboardApp(data: DashboardData, access: DashboardAccess, metrics: GlobalMetrics, options: DashboardAppOptions): Promise<Hono<Env>> {
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    await next();
    const path = c.req.path;
    const svg = c.res.headers.get('content-type')?.startsWith('image/svg+xml');
    c.res.headers.set('content-security-policy', svg ? SVG_CSP : path === '/queues' || path.startsWith('/queues/') ? BOARD_CSP : PAGE_CSP);
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('x-frame-options', 'DENY');
    // Not `no-referrer`: with it Chromium sends `Origin: null` on the dashboard's own form posts.
    c.res.headers.set('referrer-policy', 'same-origin');
    if (!path.startsWith('/queues/static/')) c.res.headers.set('cache-control', 'no-store');
  });

  app.use('*', async (c, next) => {
    const path = c.req.path;
    if (path !== '/healthz' && path !== '/readyz' && !access.hostAllowed(c.req.header('host'))) {
      return c.text(`Host "${c.req.header('host') ?? ''}" is not this dashboard: open it as http://127.0.0.1:${access.port}/\n`, 403);
    }
    const authorization = c.req.header('authorization');
    const bearer = authorization?.startsWith('Bearer ') ? access.tokenMatches(authorization.slice(7).trim()) : false;
    const authenticated = bearer || access.sessionMatches(getCookie(c, SESSION_COOKIE));
    c.set('bearer', bearer);
    c.set('page', { authenticated, tokenConfigured: access.hasToken, tz: options.tz, source: options.source });

    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
    if (changes) {
      // Bull Board's own actions (retry, remove, clean, pause) would bypass frugal's records and reservations.
      if (path === '/queues' || path.startsWith('/queues/')) return c.json({ error: 'Bull Board is mounted read-only here; act on jobs on their frugal page (/jobs/ID)' }, 405);
      // Cross-site requests are refused even when the browser attaches a valid cookie.
      const origin = c.req.header('origin');
      const own = `${new URL(c.req.url).protocol}//${c.req.header('host') ?? ''}`;
      if (origin !== undefined ? origin !== own : !bearer) {
        return c.text(`refused: a state-changing request must come from this dashboard's own pages (Origin ${origin ?? 'missing'})\n`, 403);
      }
      if (path !== '/login' && !authenticated) {
        if (!access.hasToken) return c.text('actions are disabled: start the dashboard with FRUGAL_DASHBOARD_TOKEN set, then sign in\n', 403);
        return c.text('sign in first (the login form, or Authorization: Bearer <FRUGAL_DASHBOARD_TOKEN>)\n', 401, { 'www-authenticate': 'Bearer' });
      }
    } else if (access.readNeedsToken && !authenticated && !OPEN_PATHS.has(path)) {
      if ((c.req.header('accept') ?? '').includes('text/html')) return c.redirect(`/login?next=${encodeURIComponent(path)}`, 303);
      return c.text('this dashboard needs the token: Authorization: Bearer <FRUGAL_DASHBOARD_TOKEN>\n', 401, { 'www-authenticate': 'Bearer' });
    }
    await next();
  });

  app.onError((error, c) => {
    const page = c.get('page') ?? { authenticated: false, tokenConfigured: access.hasToken, tz: options.tz, source: options.source };
    if (error instanceof FrugalError) {
      const status = error instanceof InputError ? 400 : error.code === 'JOB_UNKNOWN' ? 404 : error.code === 'JOB_STATE' ? 409 : 500;
      return c.html(renderProblem(page, 'Cannot do that', error.message, error.hint, String(status)), status as 400);
    }
    // No stack traces: the message is enough to look into, and the log has the rest.
    return c.html(renderProblem(page, 'Something went wrong', `the dashboard could not read its data: ${(error as Error).message}`, 'check that Redis and Postgres answer (/readyz)', '500'), 500);
  });

  addHealthRoutes(app, () => data.ready());
  app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));
  app.get('/static/dashboard.css', (c) => c.body(DASHBOARD_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));

  const page = (c: Context<Env>, title: string, active: string, body: Parameters<typeof renderLayout>[3]) => c.html(renderLayout(c.get('page'), title, active, body));
  const tzOf = (c: Context<Env>) => {
    const given = c.req.query('tz');
    return given ? checkTimeZone(given, 'tz') : options.tz;
  };

  app.get('/', async (c) => page(c, 'Overview', 'Overview', renderOverviewPage(c.get('page'), await data.overview())));

  const spendOptions = (c: Context<Env>) => {
    const by = (c.req.query('by') ?? 'model') as DailySpendGroup;
    if (!(SPEND_PAGE_GROUPS as readonly string[]).includes(by)) throw new InputError(`by "${by}" is not a grouping`, `give one of ${SPEND_PAGE_GROUPS.join(', ')}`);
    return { since: c.req.query('since') || 'today', until: c.req.query('until') || c.req.query('since') || 'today', by, tz: tzOf(c) };
  };
  const spendQuery = (o: ReturnType<typeof spendOptions>) => new URLSearchParams({ since: o.since, until: o.until, by: o.by, tz: o.tz }).toString();
  app.get('/spend', async (c) => {
    const o = spendOptions(c);
    const view = await data.spend(o);
    const query = spendQuery({ ...o, since: view.report.since, until: view.report.until });
    return page(c, 'Spend', 'Spend', renderSpendPage(view, query));
  });
  app.get('/spend/chart.svg', async (c) => {
    const view = await data.spend(spendOptions(c));
    const svg = renderDailySpendChart(view.days, view.daily, `Spend per day by ${view.report.by} (${view.report.tz})`);
    return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8' });
  });

  app.get('/jobs', async (c) => {
    const status = c.req.query('status') || undefined;
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) throw new InputError(`status "${status}" is not a job status`, `give one of ${JOB_STATUSES.join(', ')}`);
    const { intake } = await data.queues();
    const [rows, paused] = await Promise.all([data.jobs({ ...(status ? { status } : {}) }), intake.isPaused()]);
    return page(c, 'Jobs', 'Jobs', renderJobsPage(c.get('page'), rows, status, paused));
  });
  app.get('/jobs/:id', async (c) => {
    const id = c.req.param('id');
    const job = await data.job(id);
    if (!job) return c.html(renderProblem(c.get('page'), 'No such job', `no job "${id}" is recorded`, 'pick one from the Jobs page', '404'), 404);
    // Only known outcomes: a link must not be able to put words of its own on the page.
    const done = { retried: 'put back on the queue', cancelled: 'cancelled' }[c.req.query('done') ?? ''];
    return page(c, `Job ${id}`, 'Jobs', renderJobPage(c.get('page'), job, done));
  });

  const afterAction = (c: Context<Env>, location: string, outcome: unknown) =>
    c.get('bearer') && !(c.req.header('accept') ?? '').includes('text/html') ? c.json(outcome as object) : c.redirect(location, 303);
  app.post('/jobs/:id/retry', async (c) => {
    const outcome = await (await data.control()).retry(c.req.param('id'));
    return afterAction(c, `/jobs/${encodeURIComponent(outcome.jobId)}?done=retried`, outcome);
  });
  app.post('/jobs/:id/cancel', async (c) => {
    const outcome = await (await data.control()).cancel(c.req.param('id'));
    return afterAction(c, `/jobs/${encodeURIComponent(outcome.jobId)}?done=cancelled`, outcome);
  });
  app.post('/queue/:action', async (c) => {
    const action = c.req.param('action');
    if (action !== 'pause' && action !== 'resume') return c.text('not found\n', 404);
    const { intake } = await data.queues();
    if (action === 'pause') await intake.pause();
    else await intake.resume();
    return afterAction(c, '/jobs', { paused: action === 'pause' });
  });
  app.post('/alerts/:id/ack', async (c) => {
    const alert = await data.ackAlert(Number(c.req.param('id')));
    return afterAction(c, '/', { id: alert.id, acknowledgedAt: alert.acknowledgedAt });
  });

  app.get('/batches', async (c) => page(c, 'Batches', 'Batches', renderBatchesPage(c.get('page'), await listProviderBatches(await data.pool(), loadCatalog(data.ctx.config)))));
  app.get('/ratings', async (c) => page(c, 'Ratings', 'Ratings', renderRatingsPage(await collectRatings(data.ctx))));
  app.get('/reports', async (c) => page(c, 'Reports', 'Reports', renderReportsPage(c.get('page'), await data.reports())));
  app.get('/reports/:id{[0-9]+}', async (c) => {
    const report = await data.report(Number(c.req.param('id')));
    if (!report) return c.html(renderProblem(c.get('page'), 'No such report', `no report ${c.req.param('id')}`, 'pick one from the Reports page', '404'), 404);
    return page(c, report.title, 'Reports', renderReportPage(report));
  });
  app.get('/reports/:id{[0-9]+}/chart.svg', async (c) => {
    const report = await data.report(Number(c.req.param('id')));
    if (!report) return c.text('no such report\n', 404);
    return c.body(report.chartSvg, 200, { 'content-type': 'image/svg+xml; charset=utf-8' });
  });

  app.get('/login', (c) => {
    if (!access.hasToken) return c.html(renderProblem(c.get('page'), 'Sign in', 'this dashboard has no token, so there is nothing to sign in to', 'start it with FRUGAL_DASHBOARD_TOKEN set to enable actions', '404'), 404);
    return page(c, 'Sign in', '', renderLoginPage(safeNext(c.req.query('next')), c.req.query('failed') !== undefined));
  });
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    if (!access.tokenMatches(typeof form.token === 'string' ? form.token : undefined)) {
      return c.redirect(`/login?failed&next=${encodeURIComponent(next)}`, 303);
    }
    setCookie(c, SESSION_COOKIE, access.sessionValue(), { httpOnly: true, sameSite: 'Strict', path: '/', secure: new URL(c.req.url).protocol === 'https:' });
    return c.redirect(next, 303);
  });
  app.post('/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });

  const { intake, reports } = await data.queues();
  const board = new HonoAdapter(serveStatic);
  board.setBasePath('/queues');
  board.setStaticPath('/static', join(BULL_BOARD_UI, 'dist/static'));
  board.setViewsPath(join(BULL_BOARD_UI, 'dist'));
  const boardOptions = { readOnlyMode: true, allowRetries: false, externalJobUrl: (job: { id?: string | number | null }) => ({ displayText: 'frugal view', href: `/jobs/${encodeURIComponent(String(job.id ?? ''))}` }) };
  createBullBoard({
    queues: [new BullMQAdapter(intake, boardOptions), new BullMQAdapter(reports, boardOptions)],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'frugal queues (read-only)', hideDocsLink: true, miscLinks: [{ text: 'frugal dashboard', url: '/' }] } },
  });
  app.route('/queues', board.registerPlugin() as unknown as Hono<Env>);
  return app;
}

/** Only paths of this dashboard: an open redirect would make the login form a phishing aid. */
function safeNext(next: string | undefined): string {
  return next !== undefined && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';
}

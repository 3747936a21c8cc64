import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DashboardStartError } from './dashboard-error.js';

/** Name of the cookie a browser gets from the login form. */
export const SESSION_COOKIE = 'frugal_dashboard';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Who may do what, decided once from the address the dashboard listens on and the token:
 * on a loopback address pages are open and actions need the token; on any other address
 * everything but the health checks needs it, and there is no starting without one.
 */
export class DashboardAccess {
  readonly loopback: boolean;
  private readonly tokenDigest: Buffer | undefined;
  private readonly session: string | undefined;
  private allowedHosts: Set<string>;

  constructor(
    readonly host: string,
    public port: number,
    token: string | undefined,
  ) {
    this.loopback = isLoopback(host);
    const given = token?.trim() ? token.trim() : undefined;
    if (!this.loopback && given === undefined) {
      throw new DashboardStartError(
        'DASHBOARD_TOKEN_REQUIRED',
        `refusing to serve the dashboard on ${host} without a token: anyone who can reach it could read the spend and act on jobs`,
        'set FRUGAL_DASHBOARD_TOKEN to a long random secret (e.g. `openssl rand -hex 32`), or listen on 127.0.0.1',
      );
    }
    if (given !== undefined && given.length < 16) {
      throw new DashboardStartError('DASHBOARD_TOKEN_WEAK', 'FRUGAL_DASHBOARD_TOKEN is shorter than 16 characters', 'use a long random secret, e.g. `openssl rand -hex 32`');
    }
    this.tokenDigest = given === undefined ? undefined : digest(given);
    // The cookie carries a value derived from the token, never the token itself.
    this.session = given === undefined ? undefined : createHmac('sha256', given).update('frugal-dashboard-session-v1').digest('hex');
    this.allowedHosts = hostsFor(port);
  }

  /** The port actually bound, when 0 was asked for. */
  bindPort(port: number): void {
    this.port = port;
    this.allowedHosts = hostsFor(port);
  }

  get hasToken(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** Pages need a login here (every address but loopback). */
  get readNeedsToken(): boolean {
    return !this.loopback;
  }

  /**
   * On loopback the Host header must name loopback: a page on another site that rebinds its own
   * name to 127.0.0.1 (DNS rebinding) sends its own name and is turned away.
   */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (!this.loopback) return true;
    return hostHeader !== undefined && this.allowedHosts.has(hostHeader.toLowerCase());
  }

  /** The token, compared in constant time. */
  tokenMatches(candidate: string | undefined): boolean {
    if (this.tokenDigest === undefined || candidate === undefined) return false;
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  sessionMatches(cookie: string | undefined): boolean {
    if (this.session === undefined || cookie === undefined) return false;
    return timingSafeEqual(digest(cookie), digest(this.session));
  }

  /** The cookie value a successful login sets. */
  sessionValue(): string {
    if (this.session === undefined) throw new Error('no dashboard token is set');
    return this.session;
  }
}

function hostsFor(port: number): Set<string> {
  return new Set(['127.0.0.1', 'localhost', '[::1]'].flatMap((h) => [h, `${h}:${port}`]));
}

// Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

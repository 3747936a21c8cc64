import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { FrugalError } from '../errors.js';

/**
 * Throwaway Redis and Postgres for the demo on a machine where neither answers: a `redis-server`
 * and an `initdb` + `pg_ctl` cluster on free loopback ports in temporary folders, or else
 * `docker compose up -d` when a Docker engine answers. Everything started is stopped and its
 * folder removed by {@link ThrowawayServices.stop}.
 */
export interface ThrowawayServices {
  /** Redis URL to use: the configured one, or the throwaway server's. */
  redisUrl: string;
  /** Postgres server URL to use (its database part is the configured one). */
  databaseUrl: string;
  /** What was started, in words, e.g. `redis-server on 127.0.0.1:41234 (temporary)`. */
  started: string[];
  /** Processes and folders started for the run (empty when the configured services answered). */
  leftovers: { pids: number[]; folders: string[] };
  stop(): Promise<void>;
}

/** No Redis or Postgres answers and frugal could start neither. */
export class ServicesUnavailableError extends FrugalError {
  constructor(missing: string[], reasons: string[]) {
    super('SERVICES_UNAVAILABLE', `the demo needs ${missing.join(' and ')}, none answers at the configured address, and none could be started here (${reasons.join('; ')})`, {
      hint:
        'get the services one of three ways: install them (Debian/Ubuntu: apt-get install redis-server postgresql) so the demo can start throwaway ones; ' +
        'run `docker compose up -d` in this folder with a Docker engine; or point REDIS_URL and DATABASE_URL at servers you have',
    });
  }
}

const POSTGRES_BIN_DIRS = '/usr/lib/postgresql';

/**
 * Returns the services the demo should use: the configured ones when they answer, throwaway
 * ones otherwise. `say` receives one line per service started.
 */
export async function ensureDemoServices(redisUrl: string, databaseUrl: string, say: (line: string) => void): Promise<ThrowawayServices> {
  const stops: Array<() => Promise<void>> = [];
  const leftovers = { pids: [] as number[], folders: [] as string[] };
  const started: string[] = [];
  const services: ThrowawayServices = {
    redisUrl,
    databaseUrl,
    started,
    leftovers,
    async stop() {
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
    },
  };
  const missing: string[] = [];
  const reasons: string[] = [];
  const redisUp = await answers(redisUrl, 6379);
  const postgresUp = await postgresAnswers(databaseUrl);
  try {
    if (!redisUp) {
      const binary = findOnPath('redis-server');
      if (binary) {
        const redis = await startRedis(binary);
        stops.push(redis.stop);
        leftovers.pids.push(redis.pid);
        leftovers.folders.push(redis.folder);
        services.redisUrl = `redis://127.0.0.1:${redis.port}`;
        started.push(`redis-server on 127.0.0.1:${redis.port} (temporary, in ${redis.folder})`);
      } else {
        missing.push('Redis');
        reasons.push('no redis-server on the PATH');
      }
    }
    if (!postgresUp) {
      const bin = findPostgresBin();
      if (bin) {
        const postgres = await startPostgres(bin);
        stops.push(postgres.stop);
        leftovers.folders.push(postgres.folder);
        leftovers.pids.push(postgres.pid);
        const url = new URL(databaseUrl);
        url.hostname = '127.0.0.1';
        url.port = String(postgres.port);
        url.username = 'postgres';
        url.password = '';
        services.databaseUrl = url.toString();
        started.push(`Postgres cluster on 127.0.0.1:${postgres.port} (temporary, in ${postgres.folder})`);
      } else {
        missing.push('Postgres');
        reasons.push(`no initdb and pg_ctl on the PATH or under ${POSTGRES_BIN_DIRS}/*/bin`);
      }
    }
    if (missing.length > 0) {
      if (dockerAnswers()) {
        const compose = await startCompose(missing);
        stops.push(compose.stop);
        started.push(`${missing.join(' and ')} with docker compose (removed at exit)`);
        missing.length = 0;
      } else {
        reasons.push('no Docker engine answers');
        throw new ServicesUnavailableError(missing, reasons);
      }
    }
  } catch (error) {
    await services.stop();
    throw error;
  }
  for (const line of started) say(`started ${line}; stopped and removed when the demo ends`);
  return services;
}

/** True when something accepts a TCP connection at the URL's host and port within a second. */
async function answers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', () => done(true));
  });
}

/** A Postgres that answers at all (a refused login is still a server: its error is the user's to see). */
async function postgresAnswers(databaseUrl: string): Promise<boolean> {
  if (!(await answers(databaseUrl, 5432))) return false;
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2_000, application_name: 'frugal-demo-probe' });
  try {
    await client.connect();
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return !(code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || /timeout/i.test(String(error)));
  } finally {
    await client.end().catch(() => {});
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The folder holding `initdb` and `pg_ctl`: the PATH first, then Debian's versioned folders (newest first). */
function findPostgresBin(): string | undefined {
  const initdb = findOnPath('initdb');
  if (initdb && findOnPath('pg_ctl')) return initdb.slice(0, -'/initdb'.length);
  if (!existsSync(POSTGRES_BIN_DIRS)) return undefined;
  const versions = readdirSync(POSTGRES_BIN_DIRS)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(POSTGRES_BIN_DIRS, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new FrugalError('SERVICE_START_FAILED', `${what} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startRedis(binary: string): Promise<{ port: number; pid: number; folder: string; stop: () => Promise<void> }> {
  const folder = mkdtempSync(join(tmpdir(), 'frugal-demo-redis-'));
  const port = await freePort();
  // noeviction, as BullMQ requires; nothing is kept on disk.
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', folder, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    await waitFor(() => answers(`redis://127.0.0.1:${port}`, port), `redis-server on port ${port}`, 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, pid: child.pid!, folder, stop };
}

/**
 * initdb refuses to run as root: as root, the cluster belongs to the `postgres` system user
 * (Debian's packages create it) and its commands run through `runuser`.
 */
function asClusterOwner(command: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

async function startPostgres(bin: string): Promise<{ port: number; pid: number; folder: string; stop: () => Promise<void> }> {
  const folder = mkdtempSync(join(tmpdir(), 'frugal-demo-postgres-'));
  const data = join(folder, 'data');
  const port = await freePort();
  if (userInfo().uid === 0) {
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (owner.status !== 0) {
      rmSync(folder, { recursive: true, force: true });
      throw new FrugalError('SERVICE_START_FAILED', 'initdb cannot run as root and there is no `postgres` user to run it as', { hint: 'run the demo as an ordinary user, or start Postgres yourself' });
    }
    chownSync(folder, Number(owner.stdout.trim()), Number(group.stdout.trim()));
  }
  const run = (command: string, args: string[]) => {
    const [cmd, argv] = asClusterOwner(join(bin, command), args);
    const result = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new FrugalError('SERVICE_START_FAILED', `${command} failed: ${(result.stderr || result.stdout || String(result.error ?? '')).trim().split('\n').slice(-1)[0]}`);
  };
  let pid = 0;
  const stop = async () => {
    if (existsSync(join(data, 'postmaster.pid'))) {
      const [cmd, argv] = asClusterOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '20', 'stop']);
      spawnSync(cmd, argv, { stdio: 'ignore' });
    }
    // pg_ctl returns once the pid file is gone; the postmaster may take a moment more to exit.
    if (pid > 0) await waitFor(async () => !isRunning(pid), `Postgres (pid ${pid}) to exit`, 10_000).catch(() => {});
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    run('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(folder, 'postgres.log'), '-o', `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
    pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    await waitFor(() => postgresAnswers(`postgres://postgres@127.0.0.1:${port}/postgres`), `Postgres on port ${port}`, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, pid, folder, stop };
}

/** A process that exists and is not a zombie waiting for its parent (in a container, init may reap late). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function dockerAnswers(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5_000 });
  return result.status === 0;
}

/** `docker compose up -d` with the project's file, for the services that are missing; `down -v` at exit. */
async function startCompose(missing: string[]): Promise<{ stop: () => Promise<void> }> {
  const project = `frugal-demo-${process.pid}`;
  const services = missing.map((m) => m.toLowerCase());
  const up = spawnSync('docker', ['compose', '-p', project, 'up', '-d', '--wait', ...services], { encoding: 'utf8' });
  const stop = async () => {
    spawnSync('docker', ['compose', '-p', project, 'down', '-v'], { stdio: 'ignore' });
  };
  if (up.status !== 0) {
    await stop();
    throw new FrugalError('SERVICE_START_FAILED', `docker compose up failed: ${(up.stderr || '').trim().split('\n').slice(-1)[0]}`);
  }
  return { stop };
}

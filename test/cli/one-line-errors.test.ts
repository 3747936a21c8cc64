import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, dropTestDatabase, TEST_DB_PREFIX, uniqueSuffix, withAdmin } from '../support/services.js';
import { useTestEnv } from '../support/env.js';

const run = promisify(execFile);
const env = useTestEnv();
let folder: string;
const emptyDatabase = `${TEST_DB_PREFIX}${uniqueSuffix()}`;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function vars(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  delete clean.FRUGAL_DEBUG;
  return { ...clean, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent', ...extra };
}

async function frugal(args: string[], extra: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/frugal.js', ...args], { env: vars(extra) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as Outcome;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs the CLI with its output piped to a reader that has already gone (`| true`), so every write meets EPIPE. */
async function frugalIntoClosedPipe(args: string[]): Promise<Outcome> {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const errFile = join(folder, `stderr-${uniqueSuffix()}`);
  const script = `node bin/frugal.js ${quoted} 2>'${errFile}' | true; echo "\${PIPESTATUS[0]}"; cat '${errFile}' >&2`;
  const { stdout, stderr } = await run('bash', ['-c', script], { env: vars() });
  return { code: Number(stdout.trim()), stdout: '', stderr };
}

const TRACE = /\n\s+at .+\(|node:internal|^\s+at /m;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'frugal-errors-'));
  await withAdmin((admin) => admin.query(`create database "${emptyDatabase}"`));
  // Enough results that the export outgrows a pipe's buffer.
  await env.pool.query(
    `insert into results (job_id, kind, model, output_text, cost_micros, calls)
     select 'job-' || i, 'summarize', 'claude-haiku', repeat('summary text ', 40), 120, 1 from generate_series(1, 3000) as i`,
  );
  writeFileSync(join(folder, 'doc.txt'), 'The depot opened on Monday. Deliveries resumed at noon. '.repeat(50));
});

afterAll(async () => {
  await dropTestDatabase(emptyDatabase);
});

describe('errors end every command with one line, never a stack trace', () => {
  it('reports a bad LOG_LEVEL as a configuration error naming the variable', async () => {
    const out = await frugal(['budget', 'list'], { LOG_LEVEL: 'bogus' });
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(/LOG_LEVEL/);
    expect(out.stderr).not.toMatch(TRACE);
  });

  it('reports an --out in a folder that does not exist, naming the flag and the folder', async () => {
    const out = await frugal(['results', 'export', '--format', 'jsonl', '--out', '/missing/dir/x.jsonl']);
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual(['frugal: cannot write --out /missing/dir/x.jsonl: folder /missing/dir does not exist — give a path in an existing folder you can write to']);
  });

  it('shows the trace only when FRUGAL_DEBUG is set', async () => {
    const out = await frugal(['results', 'export', '--format', 'jsonl', '--out', '/missing/dir/x.jsonl'], { FRUGAL_DEBUG: '1' });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(TRACE);
  });

  it.each([
    ['models', ['models']],
    ['results export', ['results', 'export', '--format', 'jsonl']],
    ['enqueue --dry-run', ['enqueue', 'summarize', '__DOC__', '--tier', 'basic', '--dry-run']],
  ])('exits quietly when the reader of %s goes away (EPIPE)', async (_name, args) => {
    const out = await frugalIntoClosedPipe(args.map((a) => a.replace('__DOC__', join(folder, 'doc.txt'))));
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
  });
});

describe('database problems are named with the fix', () => {
  it('says an existing but unmigrated database has no frugal schema and to run frugal migrate', async () => {
    const url = new URL(databaseUrl(emptyDatabase));
    url.password = 'hunter2';
    const out = await frugal(['budget', 'list'], { DATABASE_URL: url.toString() });
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toContain(`database postgres://postgres:***@127.0.0.1:5432/${emptyDatabase} has no frugal schema — run \`frugal migrate\``);
    expect(out.stderr).not.toMatch(/hunter2|relation|Failed query/);
  });

  it('says which host could not be found and what to check', async () => {
    const out = await frugal(['budget', 'list'], { DATABASE_URL: 'postgres://postgres:hunter2@no-such-host.invalid:5432/frugal' });
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual([
      'frugal: cannot reach Postgres at postgres://postgres:***@no-such-host.invalid:5432/frugal (host name not found) — check the host name in DATABASE_URL',
    ]);
  });
});

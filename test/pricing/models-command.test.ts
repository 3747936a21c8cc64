import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'frugal-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function frugal(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  for (const name of ['FRUGAL_CATALOG', 'FRUGAL_LOCAL_URL', 'FRUGAL_LOCAL_MODEL']) delete clean[name];
  return run('node', ['bin/frugal.js', ...args], { env: { ...clean, NO_COLOR: '1', ...env } });
}

interface ModelJson {
  id: string;
  provider: string;
  providerModelId: string;
  inputPerMillionMicros: number;
  outputPerMillionMicros: number;
  cachedInputPerMillionMicros?: number;
  contextWindow: number;
  maxOutputTokens: number;
  ratings: Record<string, string>;
  tokenizer: { encoding: string; expectedRatio: number; safeRatio: number };
  rateLimits: { rpm?: number; tpm?: number };
  source: string;
  checkedOn: string;
}

describe('frugal models', () => {
  it('prints the catalog as one JSON document with prices in micro-dollars per million tokens', async () => {
    const catalog = join(dir, 'catalog.yaml');
    writeFileSync(catalog, 'models:\n  llama-3.1-8b:\n    contextWindow: 4096\n    maxOutputTokens: 1024\n');
    const { stdout } = await frugal(['models', '--json'], { FRUGAL_CATALOG: catalog, FRUGAL_LOCAL_URL: 'http://127.0.0.1:11434/v1' });
    const output = JSON.parse(stdout) as { overridePath: string | null; models: ModelJson[] };
    expect(output.overridePath).toBe(catalog);
    expect(output.models.map((m) => m.id)).toEqual(['llama-3.1-8b', 'llama-3.3-70b', 'gpt-4o-mini', 'claude-haiku', 'gemini-flash', 'local-llama']);
    for (const model of output.models) {
      expect(Number.isSafeInteger(model.inputPerMillionMicros)).toBe(true);
      expect(Number.isSafeInteger(model.outputPerMillionMicros)).toBe(true);
      expect(Object.keys(model.ratings).sort()).toEqual(['classify', 'extract', 'report', 'summarize']);
      expect(model.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const mini = output.models.find((m) => m.id === 'gpt-4o-mini')!;
    expect(mini).toMatchObject({ provider: 'openai', inputPerMillionMicros: 150_000, outputPerMillionMicros: 600_000, cachedInputPerMillionMicros: 75_000 });
    expect(output.models[0]).toMatchObject({ contextWindow: 4_096, maxOutputTokens: 1_024 });
  });

  it('shows prices per million tokens in dollars for people', async () => {
    const { stdout } = await frugal(['models']);
    const mini = stdout.split('\n').find((line) => line.startsWith('gpt-4o-mini'))!;
    expect(mini).toMatch(/\$0\.15\s+\$0\.075\s+\$0\.60/);
    expect(stdout).toMatch(/claude-haiku: prompts over 100,000 tokens cost \$0\.50\/M in/);
    expect(stdout).toMatch(/checked 2026-11-23/);
  });

  it('fails with one line naming the bad catalog file', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'models:\n  gpt-4o-mini:\n    inputPerMillionMicros: -1\n');
    const failure = await frugal(['models', '--json'], { FRUGAL_CATALOG: bad }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toMatch(new RegExp(`frugal: catalog file ${bad}: model "gpt-4o-mini": field "inputPerMillionMicros" must not be negative`));
  });

  it('has --help', async () => {
    const { stdout } = await frugal(['models', '--help']);
    expect(stdout).toMatch(/--json/);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { estimate } from '../src/pricing/estimate.js';
import { builtInModels } from '../src/pricing/load-catalog.js';
import { countTokens, freeEncoders, type Encoding } from '../src/pricing/tokenizer.js';
import type { BenchFn, BenchRow, BenchSection } from './section.js';

/**
 * Token counting throughput: 2 KB documents (a typical job payload) cut from a large English
 * text, counted with each encoding; then whole per-job estimates against every built-in model.
 * The text is the machine's licence texts (real English) when present, else generated prose.
 */
const CORPUS_BYTES = 4 * 1024 * 1024;
const DOCUMENT_CHARS = 2_048;
const LICENSES = '/usr/share/common-licenses';

export const benchTokens: BenchFn = async (): Promise<BenchSection> => {
  const { text, origin } = corpus();
  const documents: string[] = [];
  for (let at = 0; at < text.length; at += DOCUMENT_CHARS) documents.push(text.slice(at, at + DOCUMENT_CHARS));
  const bytes = Buffer.byteLength(text, 'utf8');

  const rows: BenchRow[] = [];
  const results: Record<string, number> = {};
  for (const [encoding, key] of [['cl100k_base', 'tokens.cl100kMbPerSecond'], ['o200k_base', 'tokens.o200kMbPerSecond']] as const) {
    const { mbPerSecond, tokens } = countAll(documents, bytes, encoding);
    results[key] = round(mbPerSecond, 2);
    rows.push({ name: `token counting, ${encoding}`, value: round(mbPerSecond, 2), unit: 'MB/s', note: `${(bytes / 1e6).toFixed(1)} MB in 2 KB documents, ${tokens.toLocaleString('en-US')} tokens (${origin})` });
  }

  // A job's estimates for all candidate models: one tokenization per encoding, then arithmetic.
  const models = builtInModels({ localUrl: undefined, localModel: 'llama3.1:8b' });
  const jobs = documents.slice(0, 1_000).map((doc) => ({
    kind: 'summarize' as const,
    system: 'Summarize the document in at most 100 words.',
    messages: [{ role: 'user', content: doc }],
    maxWords: 100,
  }));
  const started = performance.now();
  let sink = 0;
  for (const job of jobs) for (const model of models) sink += estimate(job, model).maxCostMicros;
  const seconds = (performance.now() - started) / 1000;
  const jobsPerSecond = jobs.length / seconds;
  results['tokens.estimateJobsPerSecond'] = Math.round(jobsPerSecond);
  rows.push({ name: `estimate a 2 KB job on all ${models.length} models`, value: Math.round(jobsPerSecond), unit: 'jobs/s', note: `target ≥ 1,000 (checksum ${sink % 1000})` });

  freeEncoders();
  return { title: 'Token counting (tiktoken WASM, one core)', rows, results };
};

function countAll(documents: readonly string[], bytes: number, encoding: Encoding): { mbPerSecond: number; tokens: number } {
  countTokens(documents[0] ?? '', encoding); // loads the encoder outside the timing
  const started = performance.now();
  let tokens = 0;
  for (const doc of documents) tokens += countTokens(doc, encoding);
  const seconds = (performance.now() - started) / 1000;
  return { mbPerSecond: bytes / 1e6 / seconds, tokens };
}

function corpus(): { text: string; origin: string } {
  let base = '';
  try {
    for (const name of readdirSync(LICENSES).sort()) base += `${readFileSync(join(LICENSES, name), 'utf8')}\n\n`;
  } catch {
    base = '';
  }
  const origin = base.length > 0 ? `licence texts of ${LICENSES}` : 'generated prose';
  if (base.length === 0) base = generatedProse(256 * 1024);
  let text = base;
  while (text.length < CORPUS_BYTES) text += base;
  return { text: text.slice(0, CORPUS_BYTES), origin };
}

/** Deterministic English-like prose with numbers and punctuation. */
function generatedProse(chars: number): string {
  const words = (
    'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her ' +
    'invoice payment customer shipment quarterly revenue increased decreased support ticket refund delivery account manager ' +
    'report summary document contract clause agreement liability termination notice period schedule budget forecast'
  ).split(' ');
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const sentence: string[] = [];
    const count = 6 + (next() % 18);
    for (let i = 0; i < count; i++) sentence.push(next() % 17 === 0 ? String(next() % 100_000) : words[next() % words.length]!);
    const text = `${sentence.join(' ')}${next() % 5 === 0 ? ',' : '.'} `;
    parts.push(text.charAt(0).toUpperCase() + text.slice(1));
    length += text.length;
  }
  return parts.join('');
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchTokens();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchFn, BenchSection } from './section.js';

/**
 * Simulator throughput at zero latency: the simulator runs in its own process (as `frugal sim`
 * does), and a keep-alive HTTP client with CONCURRENCY requests in flight sends a mix of the four
 * protocols. Measured three ways: summarize requests of about 400 prompt tokens replaying the same
 * documents (as a load test replays a corpus; the simulator remembers long texts' token counts);
 * the same with every document unique (each tokenized afresh: the worst case); and unique
 * classification-sized structured requests (about 60 tokens, an enum schema).
 */
const CONCURRENCY = 64;
const WARMUP_MS = 1_000;
const MEASURE_MS = 4_000;

const DOCUMENT = Array.from(
  { length: 12 },
  (_, i) => `Paragraph ${i + 1} of the report notes that revenue in region ${i + 1} rose while costs held steady. The team expects the trend to continue next quarter.`,
).join('\n\n');

/** The four protocols' requests for `document`, in turn. */
const REQUESTS: { path: string; body: (document: string) => Buffer }[] = [
  {
    path: '/v1/chat/completions',
    body: (document) => Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', max_completion_tokens: 200, messages: [{ role: 'system', content: 'Summarize briefly.' }, { role: 'user', content: document }] })),
  },
  {
    path: '/openai/v1/chat/completions',
    body: (document) => Buffer.from(JSON.stringify({ model: 'llama-3.1-8b-instant', max_completion_tokens: 200, messages: [{ role: 'system', content: 'Summarize briefly.' }, { role: 'user', content: document }] })),
  },
  {
    path: '/v1/messages',
    body: (document) => Buffer.from(JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 200, system: 'Summarize briefly.', messages: [{ role: 'user', content: document }] })),
  },
  {
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    body: (document) =>
      Buffer.from(JSON.stringify({ systemInstruction: { parts: [{ text: 'Summarize briefly.' }] }, contents: [{ role: 'user', parts: [{ text: document }] }], generationConfig: { maxOutputTokens: 200 } })),
  },
];
const REPLAYED = REQUESTS.map((r) => ({ path: r.path, body: r.body(DOCUMENT) }));

const LABELS = { type: 'object', properties: { label: { type: 'string', enum: ['billing', 'technical', 'sales', 'other'] } }, required: ['label'], additionalProperties: false };
const TICKET = (n: number) => `Ticket ${n}: I was charged twice for my subscription this month and need the duplicate refunded.`;

/** Classification requests in each protocol's structured-output mechanism. */
const CLASSIFY: { path: string; body: (n: number) => Buffer }[] = [
  {
    path: '/v1/chat/completions',
    body: (n) => Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', max_completion_tokens: 50, messages: [{ role: 'user', content: TICKET(n) }], response_format: { type: 'json_schema', json_schema: { name: 'label', schema: LABELS, strict: true } } })),
  },
  {
    path: '/openai/v1/chat/completions',
    body: (n) => Buffer.from(JSON.stringify({ model: 'llama-3.1-8b-instant', max_completion_tokens: 50, messages: [{ role: 'user', content: TICKET(n) }], response_format: { type: 'json_schema', json_schema: { name: 'label', schema: LABELS } } })),
  },
  {
    path: '/v1/messages',
    body: (n) => Buffer.from(JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: TICKET(n) }], tools: [{ name: 'label', input_schema: LABELS }], tool_choice: { type: 'tool', name: 'label' } })),
  },
  {
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    body: (n) => Buffer.from(JSON.stringify({ contents: [{ role: 'user', parts: [{ text: TICKET(n) }] }], generationConfig: { maxOutputTokens: 50, responseMimeType: 'application/json', responseJsonSchema: LABELS } })),
  },
];

async function startSimulatorProcess(): Promise<{ child: ChildProcess; url: string }> {
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'sim', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'silent' } });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /FRUGAL_SIM_URL=(\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with code ${code} before listening:\n${output}`)));
  });
  return { child, url };
}

function send(agent: Agent, url: URL, path: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: 'Bearer sim', 'x-api-key': 'sim', 'x-goog-api-key': 'sim' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Requests per second and non-200 answers over MEASURE_MS, after WARMUP_MS. */
async function measure(url: URL, agent: Agent, next: (n: number) => { path: string; body: Buffer }): Promise<{ perSecond: number; failed: number }> {
  let counting = false;
  let done = 0;
  let failed = 0;
  let stop = false;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const { path, body } = next(n++);
      const status = await send(agent, url, path, body);
      if (counting) {
        done++;
        if (status !== 200) failed++;
      }
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(workers);
  return { perSecond: Math.round(done / elapsed), failed };
}

export const benchSim: BenchFn = async (): Promise<BenchSection> => {
  const { child, url } = await startSimulatorProcess();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const base = new URL(url);
    // Load both tiktoken encoders before any measuring.
    for (const { path, body } of REPLAYED) await send(agent, base, path, body);
    const replayed = await measure(base, agent, (n) => REPLAYED[n % REPLAYED.length]!);
    const unique = await measure(base, agent, (n) => {
      const request = REQUESTS[n % REQUESTS.length]!;
      return { path: request.path, body: request.body(`Ticket ${n} was filed today.\n\n${DOCUMENT}`) };
    });
    const classify = await measure(base, agent, (n) => {
      const request = CLASSIFY[n % CLASSIFY.length]!;
      return { path: request.path, body: request.body(n) };
    });
    const where = `zero latency, 4 protocols, ${CONCURRENCY} in flight`;
    return {
      title: 'Provider simulator',
      rows: [
        { name: `simulator, ${where}, 400-token summarize, replayed documents`, value: replayed.perSecond, unit: 'requests/s', note: 'target ≥ 3,000' },
        { name: `simulator, ${where}, 400-token summarize, every document unique`, value: unique.perSecond, unit: 'requests/s', note: 'worst case: every prompt tokenized' },
        { name: `simulator, ${where}, 60-token structured classify, every ticket unique`, value: classify.perSecond, unit: 'requests/s', note: 'target ≥ 3,000' },
        { name: 'non-200 answers during the runs', value: replayed.failed + unique.failed + classify.failed, unit: 'requests' },
      ],
      results: {
        'sim.requestsPerSecond': replayed.perSecond,
        'sim.uniquePromptRequestsPerSecond': unique.perSecond,
        'sim.classifyRequestsPerSecond': classify.perSecond,
      },
    };
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchSim();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? ` (${row.note})` : ''}\n`);
  process.stdout.write(`${JSON.stringify(section.results)}\n`);
}

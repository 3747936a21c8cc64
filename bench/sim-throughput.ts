import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { JOB_KINDS } from '../src/jobs/index.js';
import type { BenchFn, BenchRow, BenchSection } from './section.js';
import { round } from './support/batches.js';
import { documents } from './support/documents.js';
import { processCpuMs, spawnSimulator } from './support/sim-process.js';

const SECONDS = Number(process.env.BENCH_SIM_SECONDS ?? 4);
const CONCURRENCY = 32;

/**
 * Requests per second the provider simulator answers in its own process (zero latency, Groq's
 * wire protocol, keep-alive connections), for 1 KB summaries (the pipeline bench's calls) and
 * short classifications; with the simulator's CPU time per request. The load comes from this
 * process over plain node:http, so the two share the machine's cores.
 */
export const benchSimThroughput: BenchFn = async (): Promise<BenchSection> => {
  const sim = await spawnSimulator();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const rows: BenchRow[] = [];
    const results: Record<string, number> = {};
    const summarize = documents(200, 1_024, 'sim-').map((text) => body('summarize', { text }));
    const classify = documents(200, 200, 'simc-').map((text) => body('classify', { text, labels: ['licence', 'contract', 'other'] }));
    for (const [label, key, bodies] of [
      ['1 KB summarize requests', 'sim.summarizeRequestsPerSecond', summarize],
      ['short classify requests', 'sim.classifyRequestsPerSecond', classify],
    ] as const) {
      await load(sim.url, agent, bodies, 0.5); // warm-up: encoders, JIT, connections
      const cpuBefore = processCpuMs(sim.pid);
      const { requests, seconds, errors } = await load(sim.url, agent, bodies, SECONDS);
      const cpuMsPerRequest = (processCpuMs(sim.pid) - cpuBefore) / requests;
      results[key] = Math.round(requests / seconds);
      results[`${key.replace('RequestsPerSecond', '')}CpuMsPerRequest`] = round(cpuMsPerRequest, 3);
      rows.push({ name: `simulator, ${label}`, value: Math.round(requests / seconds), unit: 'req/s', note: `${CONCURRENCY} keep-alive connections; ${cpuMsPerRequest.toFixed(2)} ms simulator CPU per request${errors ? `; ${errors} errors` : ''}` });
    }
    return { title: 'Provider simulator (its own process, zero latency)', rows, results };
  } finally {
    agent.destroy();
    await sim.close();
  }
};

function body(kind: 'summarize' | 'classify', payload: Record<string, unknown>): string {
  const prompt = JOB_KINDS[kind].buildPrompt(JOB_KINDS[kind].payload.parse(payload) as never);
  return JSON.stringify({
    model: 'llama-3.1-8b-instant',
    messages: [{ role: 'system', content: prompt.system }, ...prompt.messages],
    max_completion_tokens: 300,
    ...(prompt.output ? { response_format: { type: 'json_schema', json_schema: { name: prompt.output.name, schema: prompt.output.schema, strict: false } } } : {}),
  });
}

async function load(baseUrl: string, agent: Agent, bodies: readonly string[], seconds: number): Promise<{ requests: number; seconds: number; errors: number }> {
  const url = new URL('/openai/v1/chat/completions', baseUrl);
  const until = performance.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  let next = 0;
  const one = (payload: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: 'Bearer sim' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(payload);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const status = await one(bodies[next++ % bodies.length]!);
        requests++;
        if (status !== 200) errors++;
      }
    }),
  );
  return { requests, seconds: (performance.now() - started) / 1000, errors };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchSimThroughput();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
  process.stdout.write(`${JSON.stringify(section.results)}\n`);
}

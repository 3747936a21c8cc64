import { loadConfig } from '../../../src/config.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import { loadCatalog } from '../../../src/pricing/load-catalog.js';
import { catalogTokenizerFor } from '../../../src/providers/sim/catalog-tokenizer-for.js';
import type { SimConfigPatch } from '../../../src/providers/sim/sim-config.js';
import { startSimulator, type RunningSimulator } from '../../../src/providers/sim/simulator.js';
import { openProducer } from '../../../src/queue/open-producer.js';

/** The simulator in the test's process, counting tokens with the built-in catalog's encodings. */
export function startTestSimulator(config: SimConfigPatch = {}): Promise<RunningSimulator> {
  const catalog = loadCatalog({ catalogPath: undefined, localUrl: undefined, localModel: 'llama3.1:8b' });
  return startSimulator({ port: 0, tokenizerFor: catalogTokenizerFor(catalog), config });
}

/** Enqueues through frugal's producer with the given environment; returns the job ids. */
export async function enqueueJobs(env: Record<string, string>, specs: readonly JobSpec[]): Promise<string[]> {
  const { producer, close } = await openProducer(loadConfig(env));
  try {
    const outcomes = await producer.enqueue(specs);
    return outcomes.map((o) => o.jobId);
  } finally {
    await close();
  }
}

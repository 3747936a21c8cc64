import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import type { Catalog } from '../../src/pricing/catalog.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { catalogTokenizerFor } from '../../src/providers/sim/catalog-tokenizer-for.js';
import type { SimConfigPatch } from '../../src/providers/sim/sim-config.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/sim/simulator.js';
import { openProducer, type OpenProducer } from '../../src/queue/open-producer.js';
import { FrugalWorker, type FrugalWorkerOptions } from '../../src/workers/frugal-worker.js';
import type { TestEnv } from './env.js';

export interface PipelineSetup {
  /** Catalog override (the FRUGAL_CATALOG file's content). */
  catalog?: unknown;
  /** Simulator configuration. */
  sim?: SimConfigPatch;
  /** Also serve the self-hosted provider from the simulator (FRUGAL_LOCAL_URL). */
  local?: boolean;
  worker?: FrugalWorkerOptions;
  /** Start the worker in beforeAll. Default true. */
  startWorker?: boolean;
}

export interface Pipeline {
  sim: RunningSimulator;
  config: Config;
  catalog: Catalog;
  producer: OpenProducer;
  worker: FrugalWorker | undefined;
  startWorker(options?: FrugalWorkerOptions): Promise<FrugalWorker>;
}

/**
 * The whole pipeline for a test file: the provider simulator in-process, a configuration pointing
 * at it and at the file's own database and prefix, a producer and a worker.
 */
export function usePipeline(env: TestEnv, setup: PipelineSetup = {}): Pipeline {
  const state = {} as Pipeline;
  const workers: FrugalWorker[] = [];
  beforeAll(async () => {
    const vars: Record<string, string> = { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, LOG_LEVEL: 'silent' };
    if (setup.catalog !== undefined) {
      const file = join(mkdtempSync(join(tmpdir(), 'frugal-catalog-')), 'catalog.json');
      writeFileSync(file, JSON.stringify(setup.catalog));
      vars.FRUGAL_CATALOG = file;
    }
    const partial = loadConfig(vars);
    state.catalog = loadCatalog(partial);
    state.sim = await startSimulator({ port: 0, tokenizerFor: catalogTokenizerFor(state.catalog), ...(setup.sim ? { config: setup.sim } : {}) });
    vars.FRUGAL_SIM_URL = state.sim.url;
    if (setup.local) vars.FRUGAL_LOCAL_URL = `${state.sim.url}/v1`;
    state.config = loadConfig(vars);
    state.catalog = loadCatalog(state.config);
    state.producer = await openProducer(state.config, setup.worker?.chunkTokens === undefined ? {} : { chunkTokens: setup.worker.chunkTokens });
    state.startWorker = async (options = {}) => {
      const worker = await FrugalWorker.start(state.config, { concurrency: 16, logger: createLogger('silent'), ...setup.worker, ...options });
      workers.push(worker);
      return worker;
    };
    if (setup.startWorker !== false) state.worker = await state.startWorker();
  });
  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await state.producer?.close();
    await state.sim?.close();
  });
  return state;
}

import type { Command } from 'commander';
import { getConfig } from '../../config.js';
import { InputError } from '../../errors.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { simOptionsFromCatalog } from '../../providers/sim/sim-options-from-catalog.js';
import { loadSimConfigFile } from '../../providers/sim/load-sim-config-file.js';
import { QUALITY_PROFILES, qualityProfile } from '../../providers/sim/quality-profiles.js';
import { applySimConfigPatch, defaultSimConfig } from '../../providers/sim/sim-config.js';
import { startSimulator, type RunningSimulator } from '../../providers/sim/simulator.js';
import { bold, dim } from '../output.js';

interface SimOptions {
  port: string;
  host: string;
  config?: string;
  quality?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InputError(`--port must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`, 'e.g. --port 8787, or --port 0 for a free one');
  return port;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run the provider simulator: an HTTP server speaking the OpenAI, Groq, Anthropic and Gemini APIs, for tests, load tests and demos without spending money')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8787')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--config <file>', 'JSON file of knobs per model: latency, rate limits, error rates… (see README, "Provider simulator")')
    .option('--quality <profile>', `answer quality per model: ${Object.keys(QUALITY_PROFILES).join(', ')} (small models err more often; the config file's knobs win)`)
    .action(async (options: SimOptions) => {
      const port = parsePort(options.port);
      let config = options.config ? await loadSimConfigFile(options.config) : undefined;
      if (options.quality !== undefined) {
        let models;
        try {
          models = qualityProfile(options.quality);
        } catch (error) {
          throw new InputError(`--quality: ${(error as Error).message}`, 'e.g. --quality realistic');
        }
        const withProfile = applySimConfigPatch(defaultSimConfig(), { models });
        config = config ? applySimConfigPatch(withProfile, config) : withProfile;
      }
      let sim: RunningSimulator;
      try {
        sim = await startSimulator({ port, host: options.host, ...simOptionsFromCatalog(loadCatalog(getConfig())), ...(config ? { config } : {}) });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new InputError(`port ${port} on ${options.host} is already in use`, 'pick another with --port (0 picks a free one)');
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new InputError(`cannot listen on ${options.host}`, 'pass an address of this machine with --host');
        throw error;
      }
      process.stdout.write(
        [
          `${bold('frugal provider simulator')} listening on ${sim.url}`,
          `point frugal at it:   FRUGAL_SIM_URL=${sim.url}`,
          `self-hosted as well:  FRUGAL_LOCAL_URL=${sim.url}/v1`,
          dim(`counters: GET ${sim.url}/_sim/stats · knobs: POST ${sim.url}/_sim/config · stop: Ctrl-C`),
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      const stats = sim.stats();
      await sim.close();
      process.stdout.write(`simulator stopped after ${stats.requests} request(s)\n`);
    });
}

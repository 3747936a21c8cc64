import type { Config } from '../config.js';
import { openDb } from '../db/client.js';
import { NO_CALIBRATION } from '../pricing/calibration.js';
import { loadCalibration } from '../pricing/calibration-store.js';
import type { Catalog } from '../pricing/catalog.js';
import { loadCatalog } from '../pricing/load-catalog.js';
import { createProviders } from '../providers/create-providers.js';
import { Producer, type ProducerOptions } from './producer.js';
import { createFlowProducer, createIntakeQueue } from './queues.js';
import { connectRedis } from './redis.js';

export interface OpenProducer {
  producer: Producer;
  catalog: Catalog;
  close(): Promise<void>;
}

/** Opens what a producer needs (Redis, Postgres, the catalog) from the configuration. */
export async function openProducer(config: Config, options: ProducerOptions = {}): Promise<OpenProducer> {
  const dbHandle = await openDb(config.databaseUrl, { max: 4, applicationName: 'frugal-producer' });
  try {
    const redis = await connectRedis(config.redisUrl);
    const catalog = loadCatalog(config);
    const calibration = await loadCalibration(dbHandle.db, { refreshMs: 0 }).catch(() => NO_CALIBRATION);
    const providers = createProviders(config, { logger: { info: () => {} } });
    const queue = createIntakeQueue(redis, config.queuePrefix);
    const flows = createFlowProducer(redis, config.queuePrefix);
    const producer = new Producer(queue, flows, dbHandle.db, catalog, calibration, {
      providerUsable: (p) => providers.unavailableReason(p) === undefined,
      ...options,
    });
    return {
      producer,
      catalog,
      async close() {
        await queue.close().catch(() => {});
        await flows.close().catch(() => {});
        await redis.quit().catch(() => redis.disconnect());
        await dbHandle.close();
      },
    };
  } catch (error) {
    await dbHandle.close();
    throw error;
  }
}

import type { Command } from 'commander';
import { getConfig } from '../../config.js';
import { migrate } from '../../db/migrate.js';
import { redactUrl } from '../../errors.js';
import { printJson } from '../output.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create the database if missing and apply pending migrations (safe to run on several machines at once)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = getConfig();
      const result = await migrate(config.databaseUrl);
      if (options.json) {
        printJson(result);
        return;
      }
      const where = redactUrl(config.databaseUrl);
      if (result.createdDatabase) process.stdout.write(`created database ${where}\n`);
      process.stdout.write(
        result.applied === 0 ? `database is up to date (${where})\n` : `applied ${result.applied} migration(s) to ${where}\n`,
      );
    });
}

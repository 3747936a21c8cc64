import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { dropStaleDatabases, ensureTemplate } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  // Tests spawn bin/frugal.js, which runs dist/: compile whatever changed (a no-op when nothing did).
  // A type error still leaves dist/ written (tsc emits anyway), so the tests run; the build says so.
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
  } catch {
    process.stderr.write('global setup: the build reported type errors; CLI tests run the JavaScript tsc emitted anyway\n');
  }
  const template = await ensureTemplate();
  await dropStaleDatabases(template);
  project.provide('templateDatabase', template);
}

import type { TestProject } from 'vitest/node';
import { dropStaleDatabases, ensureTemplate } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const template = await ensureTemplate();
  await dropStaleDatabases(template);
  project.provide('templateDatabase', template);
}

#!/usr/bin/env node
// The CLI runs the compiled JavaScript in dist/ (built from src/ by `npm ci`, `npm run build`
// and before the tests). In a checkout whose sources are newer than the build, it rebuilds
// first, so the sources stay the truth and a stale build never runs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = `${root}scripts/build.mjs`;
if (existsSync(`${root}src`) && existsSync(build) && existsSync(`${root}node_modules/typescript`)) {
  const { isStale } = await import(build);
  if (isStale(root)) {
    process.stderr.write('frugal: sources changed since the last build; compiling to dist/ first\n');
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync(process.execPath, [build], { stdio: ['ignore', 2, 2] });
    } catch {
      // Type errors: tsc wrote dist/ anyway and said what is wrong; run what it wrote.
    }
  }
}
if (!existsSync(`${root}dist/cli/main.js`)) {
  process.stderr.write('frugal: dist/ is missing — run `npm run build` in the package folder\n');
  process.exit(1);
}
await import('../dist/cli/main.js');

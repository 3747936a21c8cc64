#!/usr/bin/env node
// Compiles src/ to dist/ with tsc, only when a source is newer than the last build, so running
// it before every test run or CLI start costs a few milliseconds when nothing changed.
// `--force` builds regardless. Exits with tsc's status.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');

/** Newest modification time (ms) of the sources and build settings. */
export function newestSource(root = ROOT) {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  visit(join(root, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json']) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

/** True when dist/ is missing or older than a source. */
export function isStale(root = ROOT) {
  const stamp = join(root, 'dist', '.build-stamp');
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSource(root);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--force') || isStale()) {
    const startedAt = Date.now();
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    let failed = false;
    try {
      execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    } catch {
      failed = true;
    }
    // tsc writes dist/ despite type errors (as tsx would run such sources); stamping it anyway
    // keeps bin/frugal.js from compiling again at every start until a source changes.
    mkdirSync(dirname(STAMP), { recursive: true });
    // The stamp takes the start time, so a source edited during the build still counts as newer.
    writeFileSync(STAMP, `${new Date(startedAt).toISOString()}\n`);
    utimesSync(STAMP, startedAt / 1000, startedAt / 1000);
    if (failed) {
      process.stderr.write('build: tsc reported the errors above; dist/ was written anyway (fix them, then `npm run build`)\n');
      process.exit(1);
    }
    process.stderr.write(`build: dist/ compiled in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  }
}

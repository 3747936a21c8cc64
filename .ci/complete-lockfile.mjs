// The npm registry mirror on these machines serves only the linux builds of msgpackr-extract's
// optional platform packages, so `npm install` writes a lock file without the others and
// `npm ci` then refuses it as out of sync. This adds the missing platform entries (skipped at
// install on any other platform, exactly as a lock file made against the public registry has
// them). Run after `npm install` changes package-lock.json.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
let added = 0;
for (const entry of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key] || !name.startsWith('@msgpackr-extract/')) continue;
    const [, os, cpu] = /-(darwin|linux|win32)-(arm64|x64|arm)$/.exec(name) ?? [];
    if (!os) continue;
    lock.packages[key] = { version, cpu: [cpu], license: 'MIT', optional: true, os: [os] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform entries`);

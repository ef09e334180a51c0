#!/usr/bin/env node
// `npm run bench [name...]`: runs each benchmark under bench/<name>/ (index.ts via tsx, or index.mjs) in turn.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (wanted.length === 0 || wanted.includes(d.name)))
  .map((d) => d.name)
  .sort();
let failed = 0;
for (const name of names) {
  const ts = join(here, name, 'index.ts');
  const mjs = join(here, name, 'index.mjs');
  const args = existsSync(ts) ? ['--import', 'tsx', ts] : existsSync(mjs) ? [mjs] : null;
  if (!args) continue;
  console.log(`\n== bench/${name} ==`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${name} failed (exit ${r.status})`);
  }
}
process.exitCode = failed ? 1 : 0;

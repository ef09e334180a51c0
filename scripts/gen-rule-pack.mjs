// Writes src/detect/rules/pack.json from the YAML pack under src/detect/rules/sigma.
// Run with `node --import tsx scripts/gen-rule-pack.mjs` after changing a pack rule; src/detect/rules/pack.test.ts
// fails while the file is stale.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packJson } from '../src/detect/rules/pack-json.ts';

const out = resolve(import.meta.dirname, '../src/detect/rules/pack.json');
writeFileSync(out, `${JSON.stringify(packJson(), null, 2)}\n`);
execFileSync('npx', ['biome', 'format', '--write', out], { stdio: 'ignore' });
process.stdout.write(`wrote ${out}\n`);

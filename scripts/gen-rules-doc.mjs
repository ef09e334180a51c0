// Writes docs/rules.md from the rules themselves. Run after `npm run build`.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderRuleCatalog } from '../dist/detect/rules/catalog.js';

const out = resolve(import.meta.dirname, '../docs/rules.md');
writeFileSync(out, renderRuleCatalog());
process.stdout.write(`wrote ${out}\n`);

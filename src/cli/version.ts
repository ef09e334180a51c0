import { readFileSync } from 'node:fs';
import { packagePath } from '../util/package-root.js';

const pkg: unknown = JSON.parse(readFileSync(packagePath('package.json'), 'utf8'));
export const VERSION: string =
  typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';

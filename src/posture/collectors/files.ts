import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MinewardenError } from '../../model/errors.js';

/** Inputs above this size are refused: config files are small, and a huge one is a mistake or an attack. */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;

export function readInput(file: string): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch {
    throw new MinewardenError('MW_INPUT_NOT_FOUND', 'no such file', { file });
  }
  if (!st.isFile()) throw new MinewardenError('MW_INPUT_UNREADABLE', 'not a regular file', { file });
  if (st.size > MAX_INPUT_BYTES)
    throw new MinewardenError('MW_INPUT_UNREADABLE', `larger than ${MAX_INPUT_BYTES} bytes`, { file });
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new MinewardenError('MW_INPUT_UNREADABLE', 'cannot be read', { file }, { cause: err });
  }
}

const SKIP_DIRS = new Set(['.git', '.terraform', 'node_modules']);

/** Files under `root` (or `root` itself) whose name passes `accept`, sorted, not following symlinked dirs. */
export function listInputs(root: string, accept: (name: string) => boolean, maxFiles = 20000): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(root);
  } catch {
    throw new MinewardenError('MW_INPUT_NOT_FOUND', 'no such file or directory', { file: root });
  }
  if (st.isFile()) return [root];
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 20 || out.length >= maxFiles) return;
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(p, depth + 1);
      else if (e.isFile() && accept(e.name)) out.push(p);
    }
  };
  walk(root, 0);
  return out;
}

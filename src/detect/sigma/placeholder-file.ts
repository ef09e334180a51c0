import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import type { Placeholders } from './compile/placeholders.js';

const MAX_BYTES = 1024 * 1024;

const PlaceholderFileSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]+$/, 'placeholder names are letters, digits, _ . -'),
  z
    .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()])).max(4096)])
    .transform((v) => (Array.isArray(v) ? v : [v]).map(String)),
);

/**
 * Reads the values of `%name%` placeholders for the `expand` modifier: a YAML (or JSON) map from placeholder name
 * (without percent signs) to a value or a list of values, e.g. `admins: [root, adm_ops]`.
 */
export function readPlaceholderFile(file: string): Placeholders {
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES)
      throw new MinewardenError('MW_CONFIG_INVALID', `placeholder file is over ${MAX_BYTES} bytes`, { file });
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      'cannot read',
      {
        file,
      },
    );
  }
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new MinewardenError('MW_CONFIG_INVALID', `not YAML: ${(err as Error).message}`, { file });
  }
  const parsed = PlaceholderFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MinewardenError('MW_CONFIG_INVALID', issue.message, {
      file,
      field: issue.path.map(String).join('.') || undefined,
    });
  }
  return new Map(Object.entries(parsed.data));
}

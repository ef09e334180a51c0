import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import {
  builtinMinerHashFile,
  type MinerHashFile,
  type MinerHashList,
  minerHashList,
} from './miner-hash-list.js';

/** A hash pack is a list of facts, not a database: anything larger is refused rather than read. */
const MAX_PACK_BYTES = 16 * 1024 * 1024;

const Sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'not a SHA-256 in hex (64 characters)')
  .transform((s) => s.toLowerCase());

export const MinerHashFileSchema = z
  .object({
    version: z.string().min(1),
    date: z.iso.date(),
    description: z.string(),
    sources: z
      .array(
        z.object({
          id: z.string().min(1),
          title: z.string().min(1),
          url: z.url().optional(),
        }),
      )
      .min(1),
    hashes: z.array(
      z.object({
        sha256: Sha256,
        family: z.string().min(1),
        note: z.string(),
        source: z.string().min(1),
      }),
    ),
  })
  .superRefine((f, ctx) => {
    const ids = new Set(f.sources.map((s) => s.id));
    f.hashes.forEach((h, i) => {
      if (!ids.has(h.source))
        ctx.addIssue({
          code: 'custom',
          path: ['hashes', i, 'source'],
          message: `names no entry of "sources" (${h.source})`,
        });
    });
  });

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Reads and checks a hash pack file (the format of src/intel/data/miner-hashes.json). */
export function loadMinerHashPack(path: string): MinerHashFile {
  let text: string;
  try {
    const st = statSync(path);
    if (st.size > MAX_PACK_BYTES)
      throw new MinewardenError('MW_INPUT_SCHEMA', `hash pack is ${st.size} bytes, over ${MAX_PACK_BYTES}`, {
        file: path,
      });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof MinewardenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      `cannot read hash pack: ${err instanceof Error ? err.message : String(err)}`,
      { file: path },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MinewardenError(
      'MW_INPUT_PARSE',
      `hash pack is not JSON: ${err instanceof Error ? err.message : String(err)}`,
      { file: path },
    );
  }
  const r = MinerHashFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid hash pack', {
      file: path,
      field: fieldPath(issue?.path ?? []),
    });
  }
  return r.data;
}

/**
 * The built-in miner hashes, then each pack in the order given (a hash listed twice keeps its first source); every
 * pack is read and checked here, so a bad one stops `scan` or the agent before any work, naming file and field.
 */
export function minerHashesWithPacks(packs: readonly string[]): MinerHashList {
  return minerHashList([
    { name: 'built-in', data: builtinMinerHashFile() },
    ...packs.map((file) => ({ name: file, data: loadMinerHashPack(file) })),
  ]);
}

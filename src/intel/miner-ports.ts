import { z } from 'zod';
import { MinewardenError } from '../model/errors.js';
import data from './data/miner-ports.json' with { type: 'json' };

const MinerPortsSchema = z.object({
  version: z.string(),
  date: z.string(),
  ports: z.array(z.object({ port: z.number().int().min(1).max(65535), note: z.string() })),
});

/** Port -> why it is listed. Validated once: the file ships with the product but is edited by people. */
export function loadMinerPorts(raw: unknown = data): ReadonlyMap<number, string> {
  const parsed = MinerPortsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid', {
      file: 'src/intel/data/miner-ports.json',
      field: issue?.path.join('.') ?? '',
    });
  }
  return new Map(parsed.data.ports.map((p) => [p.port, p.note]));
}

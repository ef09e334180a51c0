import { z } from 'zod';

/**
 * Schemas of the intel files that ship with the product (src/intel/data/). People edit these files, so
 * builtin-data.test.ts validates them; the loaders read the imported JSON as typed data and load no schema library.
 */

export const MinerPortsSchema = z.object({
  version: z.string(),
  date: z.string(),
  ports: z.array(z.object({ port: z.number().int().min(1).max(65535), note: z.string() })),
});

export const CuratedPoolsSchema = z.object({
  version: z.string().min(1),
  date: z.iso.date(),
  description: z.string(),
  domains: z.array(
    z.object({ domain: z.string(), label: z.string().min(1), coins: z.array(z.string()).optional() }),
  ),
  ips: z.array(z.object({ ip: z.string(), label: z.string().min(1) })),
});
export type CuratedPools = z.output<typeof CuratedPoolsSchema>;

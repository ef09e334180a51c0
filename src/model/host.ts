import { z } from 'zod';

export const HostSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  os: z.string().optional(),
  kernel: z.string().optional(),
  arch: z.string().optional(),
  cpus: z.number().int().positive().optional(),
  memoryBytes: z.number().int().nonnegative().optional(),
  bootTime: z.string().optional(),
  /** The host we run in is itself a container (docker, kubepods ...). */
  container: z.string().optional(),
});
export type Host = z.infer<typeof HostSchema>;

export const HostRefSchema = z.object({ id: z.string().min(1), name: z.string() });
export type HostRef = z.infer<typeof HostRefSchema>;

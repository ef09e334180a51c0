import type { z } from 'zod';
import type { HostRefSchema, HostSchema } from './schemas.js';

/** A host as sources see it (the schema, for input from outside, is in schemas.ts). */
export type Host = z.infer<typeof HostSchema>;
export type HostRef = z.infer<typeof HostRefSchema>;

import { appendFile } from 'node:fs/promises';
import { toOcsf } from './ocsf.js';
import type { Alert, SinkTransport } from './types.js';

/**
 * Appends one OCSF JSON object per line. Each line is a single write in append mode, so log shippers tailing
 * the file (and rotation by rename) see whole lines.
 */
export function ocsfFileSink(path: string, version: string): SinkTransport {
  return {
    async send(a: Alert) {
      await appendFile(path, `${JSON.stringify(toOcsf(a, version))}\n`, { mode: 0o640 });
    },
    async close() {},
  };
}

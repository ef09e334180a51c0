import { existsSync } from 'node:fs';
import { sshDetectors } from '../detect/detectors/ssh-detectors.js';
import { StatefulDetection } from '../detect/stateful.js';
import { MinewardenError, type Warning } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import { readAuthLogBatches } from '../sources/authlog/read-file.js';

/** Where Debian/Ubuntu and RHEL-family hosts keep sshd's log. */
export const AUTH_LOGS = ['/var/log/auth.log', '/var/log/secure'];

/**
 * SSH brute force, spraying, enumeration and success-after-failures from the host's current auth log, so a scan
 * shows how the attackers may have got in next to what they run. Rotated files are `minewarden logs`' job.
 */
export async function scanAuthLogs(
  root: string,
  host: HostRef,
): Promise<{ findings: Finding[]; warnings: Warning[]; files: string[] }> {
  const prefix = root === '/' ? '' : root.replace(/\/+$/, '');
  const det = new StatefulDetection(sshDetectors(), host);
  const warnings: Warning[] = [];
  const files: string[] = [];
  for (const path of AUTH_LOGS) {
    const file = `${prefix}${path}`;
    if (!existsSync(file)) continue;
    try {
      for await (const batch of readAuthLogBatches(file, { hostId: host.id }))
        for (const e of batch) det.process(e);
      files.push(path);
    } catch (err) {
      if (!(err instanceof MinewardenError)) throw err;
      warnings.push({ code: 'MW_W_LOG_SKIPPED', message: err.message, path });
    }
  }
  return { findings: det.results(), warnings, files };
}
